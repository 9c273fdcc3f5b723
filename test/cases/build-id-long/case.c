/* The example of LibcarePlus's documentation: print a greeting every second.
 * An optional argument sets the interval in milliseconds (the tests use a short one). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* noinline: at -O2 gcc would otherwise inline it into main, and there would be no
 * function left to patch. */
__attribute__((noinline)) void print_hello(void)
{
	printf("Hello UNPATCHED\n");
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		print_hello();
		usleep(interval_ms * 1000);
	}
	return 0;
}
