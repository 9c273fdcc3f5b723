#include <stdlib.h>
#include <unistd.h>

/* Defined here, in another object than the patched function's. */
int verbosity = 3;
const char *program_tag = "tag-main";

void tick(void);

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		tick();
		usleep(interval_ms * 1000);
	}
	return 0;
}
