/* breed() never returns: every N ms it prints a line and starts a short-lived thread that
 * itself starts another one before it exits, so threads keep appearing while tscare-ctl
 * attaches. The patch changes breed(): it must be refused, with every thread let go. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *offspring(void *arg)
{
	long generation = (long)arg;
	pthread_t child;

	usleep(1000);
	if (generation < 3 && pthread_create(&child, NULL, offspring, (void *)(generation + 1)) == 0)
		pthread_detach(child);
	return NULL;
}

__attribute__((noipa)) void breed(long interval_us)
{
	pthread_t child;

	for (;;) {
		puts("breeding UNPATCHED");
		fflush(stdout);
		if (pthread_create(&child, NULL, offspring, (void *)0L) == 0) pthread_detach(child);
		usleep(interval_us);
	}
}

int main(int argc, char *argv[])
{
	breed(argc > 1 ? atol(argv[1]) * 1000 : 1000000);
	return 0;
}
