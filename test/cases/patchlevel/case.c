/* Two generations of a fix, as a distribution ships them: level 1 (id 0001) half-fixes
 * greeting(), level 2 (id 0002, built from the original with the whole fix) finishes it.
 * Laid out as BUILDID/1/kpatch.bin, BUILDID/2/kpatch.bin and BUILDID/latest. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noipa)) const char *greeting(void)
{
	return "binary UNPATCHED";
}

int main(int argc, char *argv[])
{
	long interval_us = argc > 1 ? atol(argv[1]) * 1000 : 1000000;

	for (;;) {
		puts(greeting());
		fflush(stdout);
		usleep(interval_us);
	}
	return 0;
}
