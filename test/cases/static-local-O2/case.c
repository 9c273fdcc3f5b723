#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A static function with a static local: the patched copy must keep using the
 * original's factor (already set in the running process). */
__attribute__((noipa)) static int scaled(int x)
{
	static int factor;
	if (factor == 0)
		factor = 7;
	return x * factor;
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		printf("value %d\n", scaled(6));
		fflush(stdout);
		usleep(interval_ms * 1000);
	}
	return 0;
}
