/* label() is called on every 10th line only; main keeps printing the string it returned
 * in between. Once patched, main holds a pointer into the patch's own constants, and still
 * does for a few lines after the unpatch: the patch's memory must outlive its jumps. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noipa)) const char *label(void)
{
	return "label UNPATCHED";
}

int main(int argc, char *argv[])
{
	long interval_us = argc > 1 ? atol(argv[1]) * 1000 : 1000000;
	const char *saved = NULL;

	for (unsigned long i = 0;; i++) {
		if (i % 10 == 0) saved = label();
		puts(saved);
		fflush(stdout);
		usleep(interval_us);
	}
	return 0;
}
