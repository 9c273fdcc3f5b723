/* The library of the `shared-copy-reloc` case: it exports cfg_level, which the executable
 * uses directly, so ld.so moved the live copy into the executable (a COPY relocation). */
#include <stdio.h>

int cfg_level = 1;

__attribute__((noipa)) void cfg_report(void)
{
	printf("library UNPATCHED\n");
	fflush(stdout);
}
