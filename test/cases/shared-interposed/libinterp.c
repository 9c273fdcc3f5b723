/* The library of the `shared-interposed` case. Its who() is exported, so a definition
 * that ld.so finds earlier (the executable's, exported with -rdynamic) interposes it: a
 * call from this library through the PLT reaches the executable's who(). */
#include <stdio.h>

__attribute__((noipa)) const char *who(void)
{
	return "libinterp.so";
}

__attribute__((noipa)) void report(void)
{
	printf("library UNPATCHED\n");
	fflush(stdout);
}
