#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noipa)) int total(int x)
{
	return x * 10;
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		printf("total %d\n", total(1));
		fflush(stdout);
		usleep(interval_ms * 1000);
	}
	return 0;
}
