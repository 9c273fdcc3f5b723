#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noipa)) void greet(const char *who)
{
	printf("hello %s\n", who);
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		greet("world");
		fflush(stdout);
		usleep(interval_ms * 1000);
	}
	return 0;
}
