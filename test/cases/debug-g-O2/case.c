#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noipa)) int add_one(int x)
{
	return x + 1;
}

__attribute__((noipa)) int twice(int x)
{
	return x * 2 + 100;
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		printf("%d %d\n", add_one(1), twice(2));
		fflush(stdout);
		usleep(interval_ms * 1000);
	}
	return 0;
}
