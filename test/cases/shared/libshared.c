/* The library of the `shared` case: only this function changes in the patch. */
#include <stdio.h>

__attribute__((noipa)) void shared_print(void)
{
	printf("shared library UNPATCHED\n");
	fflush(stdout);
}
