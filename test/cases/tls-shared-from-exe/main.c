/* Two threads set the library's TLS variable to a number of their own (107 and 207) and
 * call tick() every N ms (argv[1]); the patched tick() reads the variable. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern __thread int lib_tls __attribute__((tls_model("initial-exec")));

static long interval_ms = 1000;

__attribute__((noipa)) void tick(int thread)
{
	printf("thread %d: library tls UNPATCHED\n", thread);
	fflush(stdout);
}

static void *loop(void *arg)
{
	int thread = (int)(long)arg;

	lib_tls = thread * 100 + 7;
	for (;;) {
		tick(thread);
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
