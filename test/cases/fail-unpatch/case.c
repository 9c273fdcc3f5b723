/* step() prints a line and returns; its patched version never returns (it prints its new
 * line forever), so once patched, the patch can never be removed safely. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noipa)) void step(long interval_us)
{
	(void)interval_us;
	puts("step UNPATCHED");
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	long interval_us = argc > 1 ? atol(argv[1]) * 1000 : 1000000;

	for (;;) {
		step(interval_us);
		usleep(interval_us);
	}
}
