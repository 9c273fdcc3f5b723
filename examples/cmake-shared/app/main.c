/* Every N milliseconds (default 1000): one line from libgreet.so, one from the program. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "greet.h"

/* noinline: at -O2 gcc would otherwise inline it into main, leaving no function to patch. */
__attribute__((noinline)) static void print_status(void)
{
	printf("greet-app: still running\n");
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		greet_print("tscare");
		print_status();
		usleep(interval_ms * 1000);
	}
	return 0;
}
