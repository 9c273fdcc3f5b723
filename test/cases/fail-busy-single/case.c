/* spin() never returns (it sleeps in usleep between lines), so it is always on the stack:
 * a patch of spin() can never be applied safely and must be refused. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noipa)) void spin(long interval_us)
{
	for (;;) {
		puts("spinning UNPATCHED");
		fflush(stdout);
		usleep(interval_us);
	}
}

int main(int argc, char *argv[])
{
	spin(argc > 1 ? atol(argv[1]) * 1000 : 1000000);
	return 0;
}
