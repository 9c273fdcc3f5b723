#include <stdio.h>
#include "greet.h"

void greet_print(const char *who)
{
	printf("libgreet: Hello, %s!\n", who);
	fflush(stdout);
}
