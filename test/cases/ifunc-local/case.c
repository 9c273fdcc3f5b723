/* checksum() is built for two CPU levels with gcc's target_clones: the program itself
 * defines the IFUNC and its resolver, and main already calls it. The patch makes report()
 * call it too: the new code must reach the variant the program's start-up chose, through the
 * program's own PLT entry, not call the resolver. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((target_clones("default", "avx2"))) int checksum(const unsigned char *p, int n)
{
	int sum = 0;

	for (int i = 0; i < n; i++) sum += p[i];
	return sum;
}

__attribute__((noipa)) void report(const unsigned char *data, int n)
{
	(void)data;
	printf("report of %d bytes UNPATCHED\n", n);
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	static const unsigned char data[] = { 10, 20, 12 };
	long interval_us = argc > 1 ? atol(argv[1]) * 1000 : 1000000;

	for (;;) {
		if (checksum(data, sizeof data) != 42) return 1;
		report(data, sizeof data);
		usleep(interval_us);
	}
	return 0;
}
