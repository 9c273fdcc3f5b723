/* The library of the `both` case: its function changes in the same diff as the program's. */
#include <stdio.h>

__attribute__((noipa)) void print_library(void)
{
	printf("UNPATCHED shared library\n");
	fflush(stdout);
}
