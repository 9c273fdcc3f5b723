#include <stdio.h>

__attribute__((noipa)) void tick(void)
{
	printf("other object data UNPATCHED\n");
	fflush(stdout);
}
