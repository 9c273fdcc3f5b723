/* Prints a line every N ms (argv[1]). Linked with -lordera -lorderb, both defining who():
 * the patched tick() newly calls who() and must get libordera.so's, the first in link
 * (and load) order, although ld.so maps liborderb.so at a lower address. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int a_value(void);
int b_value(void);
const char *who(void);

__attribute__((noipa)) void tick(void)
{
	printf("UNPATCHED a=%d b=%d\n", a_value(), b_value());
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		tick();
		usleep(interval_ms * 1000);
	}
	return 0;
}
