/* measure() prints a word every N ms (N = argv[1]). The patch makes it call strlen and
 * strchr, STT_GNU_IFUNCs in glibc that the program never called: their resolvers must run
 * inside the target (choosing the CPU's variant) before the new code can call them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noipa)) void measure(const char *word)
{
	printf("%s UNPATCHED\n", word);
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	long interval_us = argc > 1 ? atol(argv[1]) * 1000 : 1000000;
	const char *word = argc > 2 ? argv[2] : "hotpatch";

	for (;;) {
		measure(word);
		usleep(interval_us);
	}
	return 0;
}
