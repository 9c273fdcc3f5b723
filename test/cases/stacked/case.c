/* Two functions, two independent patches (ids 0001 and 0002), each changing one of them:
 * stacked on the same executable, they can be removed in either order. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noipa)) const char *first(void)
{
	return "first UNPATCHED";
}

__attribute__((noipa)) const char *second(void)
{
	return "second UNPATCHED";
}

int main(int argc, char *argv[])
{
	long interval_us = argc > 1 ? atol(argv[1]) * 1000 : 1000000;

	for (;;) {
		printf("%s, %s\n", first(), second());
		fflush(stdout);
		usleep(interval_us);
	}
	return 0;
}
