/* Two threads give the library's TLS value a different number each (107 and 207) and
 * call tls_report() every N ms (argv[1]): a patch reading another thread's copy, or
 * the wrong slot, prints a wrong number. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

void tls_set(int v);
void tls_report(int thread);

static long interval_ms = 1000;

static void *loop(void *arg)
{
	int thread = (int)(long)arg;

	tls_set(thread * 100 + 7);
	for (;;) {
		tls_report(thread);
		usleep(interval_ms * 1000);
	}
	return NULL;
}

int main(int argc, char *argv[])
{
	pthread_t t;

	if (argc > 1)
		interval_ms = atol(argv[1]);
	if (pthread_create(&t, NULL, loop, (void *)1L) != 0)
		return 1;
	loop((void *)2L);
	return 0;
}
