#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noipa)) int price(int n)
{
	return n * 3 + 100;
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		printf("price %d\n", price(2));
		fflush(stdout);
		usleep(interval_ms * 1000);
	}
	return 0;
}
