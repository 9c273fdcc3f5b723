/* Prints one line of its own and one from its library every N ms (argv[1]); the patch
 * changes both functions, so one patch id holds a .kpatch for each object. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void print_library(void);

__attribute__((noipa)) void print_binary(void)
{
	printf("UNPATCHED binary\n");
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		print_binary();
		print_library();
		usleep(interval_ms * 1000);
	}
	return 0;
}
