/* Two threads, each printing through its own function; the patch changes only
 * thread 2's function, which also calls an unchanged original function. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static long interval_us = 50000;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noipa)) const char *status(void)
{
	return "UNPATCHED";
}

__attribute__((noipa)) void say(int thread, const char *what)
{
	pthread_mutex_lock(&print_lock);
	printf("thread%d (%s)\n", thread, what);
	fflush(stdout);
	pthread_mutex_unlock(&print_lock);
}

__attribute__((noipa)) void thread1_tick(void)
{
	say(1, status());
}

__attribute__((noipa)) void thread2_tick(void)
{
	say(2, status());
}

static void *thread2_main(void *arg)
{
	(void)arg;
	for (;;) {
		thread2_tick();
		usleep(interval_us);
	}
	return NULL;
}

int main(int argc, char *argv[])
{
	pthread_t t;

	if (argc > 1)
		interval_us = atol(argv[1]) * 1000;
	if (pthread_create(&t, NULL, thread2_main, NULL) != 0)
		return 1;
	for (;;) {
		thread1_tick();
		usleep(interval_us);
	}
	return 0;
}
