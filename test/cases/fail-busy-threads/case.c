/* Two threads print through their own function: thread1's never returns, thread2's returns
 * after each line. The patch changes both, so it can never be applied while thread1 runs. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static long interval_us = 1000000;

__attribute__((noipa)) void thread1_loop(void)
{
	for (;;) {
		puts("thread1 (UNPATCHED)");
		fflush(stdout);
		usleep(interval_us);
	}
}

__attribute__((noipa)) void thread2_tick(void)
{
	puts("thread2 (UNPATCHED)");
	fflush(stdout);
}

static void *thread1(void *arg)
{
	thread1_loop();
	return arg;
}

static void *thread2(void *arg)
{
	for (;;) {
		thread2_tick();
		usleep(interval_us);
	}
	return arg;
}

int main(int argc, char *argv[])
{
	pthread_t t1, t2;

	if (argc > 1) interval_us = atol(argv[1]) * 1000;
	pthread_create(&t1, NULL, thread1, NULL);
	pthread_create(&t2, NULL, thread2, NULL);
	pthread_join(t1, NULL);
	return 0;
}
