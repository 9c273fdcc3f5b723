/* The main thread spends nearly all its time asleep inside nap(), the function the patch
 * replaces: tscare-ctl must run it forward to nap's return before writing the jump. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noipa)) const char *nap(long interval_us)
{
	usleep(interval_us);
	return "UNPATCHED";
}

int main(int argc, char *argv[])
{
	long interval_us = argc > 1 ? atol(argv[1]) * 1000 : 1000000;

	for (;;) {
		printf("woke up %s\n", nap(interval_us));
		fflush(stdout);
	}
	return 0;
}
