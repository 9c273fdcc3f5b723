#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noipa)) void tick(void)
{
	fprintf(stdout, "glibc data UNPATCHED\n");
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		tick();
		usleep(interval_ms * 1000);
	}
	return 0;
}
