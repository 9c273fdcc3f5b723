/* Two patches (ids 0001 and 0002) replace the same function one after the other. Removing
 * the older one first would cut the newer one off: it is refused with PATCH_STACKED, and
 * the reverse order works. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noipa)) const char *version(void)
{
	return "version UNPATCHED";
}

int main(int argc, char *argv[])
{
	long interval_us = argc > 1 ? atol(argv[1]) * 1000 : 1000000;

	for (;;) {
		puts(version());
		fflush(stdout);
		usleep(interval_us);
	}
	return 0;
}
