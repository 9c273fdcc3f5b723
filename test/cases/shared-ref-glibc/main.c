/* Calls its library's report() every N ms (argv[1]); the executable never changes. */
#include <stdlib.h>
#include <unistd.h>

void report(const char *who);

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		report("tscare");
		usleep(interval_ms * 1000);
	}
	return 0;
}
