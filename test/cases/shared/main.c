/* Calls its library's shared_print() every N ms (argv[1]); the executable never changes. */
#include <stdlib.h>
#include <unistd.h>

void shared_print(void);

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		shared_print();
		usleep(interval_ms * 1000);
	}
	return 0;
}
