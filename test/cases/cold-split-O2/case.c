#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int data[] = {1, 2, 3, 4};

/* cold: gcc -O2 moves the branch that calls it into work.cold, in .text.unlikely. */
__attribute__((cold, noinline)) static void report(int x)
{
	fprintf(stderr, "negative value %d\n", x);
}

__attribute__((noipa)) int work(const int *a, int n)
{
	int s = 0;
	for (int i = 0; i < n; i++) {
		if (__builtin_expect(a[i] < 0, 0)) {
			report(a[i]);
			s -= 3;
			continue;
		}
		s += a[i];
	}
	return s;
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		printf("sum %d\n", work(data, 4));
		fflush(stdout);
		usleep(interval_ms * 1000);
	}
	return 0;
}
