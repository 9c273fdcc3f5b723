/* Prints a line every N ms (argv[1]). The patched tick() newly calls rand() and lib_name():
 * the numbers and names it prints say which definitions the patch was bound to. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int app_version(void);
const char *lib_name(void);

__attribute__((noipa)) void tick(void)
{
	printf("app %d UNPATCHED\n", app_version());
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
