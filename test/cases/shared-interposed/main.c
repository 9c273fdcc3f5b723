/* Calls its library's report() every N ms (argv[1]). It also defines who(), exported by
 * -rdynamic, which interposes the library's own who() for every call ld.so binds. */
#include <stdlib.h>
#include <unistd.h>

void report(void);

__attribute__((noipa)) const char *who(void)
{
	return "executable";
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		report();
		usleep(interval_ms * 1000);
	}
	return 0;
}
