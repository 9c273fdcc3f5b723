/* Sets its library's cfg_level (the executable's copy, made by a COPY relocation) and calls
 * cfg_report() every N ms (argv[1]); the executable never changes. */
#include <stdlib.h>
#include <unistd.h>

extern int cfg_level;
void cfg_report(void);

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	cfg_level = 5;
	for (;;) {
		cfg_report();
		usleep(interval_ms * 1000);
	}
	return 0;
}
