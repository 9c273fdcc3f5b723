#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Called from main, which gcc -O2 puts in .text.startup. */
__attribute__((noipa)) static void tick(long n)
{
	printf("tick %ld\n", n);
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		tick(interval_ms > 0 ? 1 : 0);
		fflush(stdout);
		usleep(interval_ms * 1000);
	}
	return 0;
}
