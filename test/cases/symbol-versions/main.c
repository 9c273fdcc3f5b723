/* Prints a line every N ms (argv[1]). The program already calls the OLD version of
 * ver_value (through ver_value_1_of_lib, an alias bound to ver_value@VER_1); the patched
 * tick() also calls plain ver_value(), which the linker binds to the default VER_2. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern int ver_value(void);
extern int ver_value_1_of_lib(void);
/* Top-level asm: it must be in the original too, a patch cannot change it. */
__asm__(".symver ver_value_1_of_lib, ver_value@VER_1");

__attribute__((noipa)) void tick(void)
{
	printf("UNPATCHED: ver_value@VER_1 = %d\n", ver_value_1_of_lib());
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
