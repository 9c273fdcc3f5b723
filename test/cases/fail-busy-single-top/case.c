/* spin() never returns and calls no function: it makes its write and nanosleep system
 * calls itself, so whenever the thread is stopped, spin() is the top frame. */
#include <stdlib.h>
#include <time.h>

static long raw_syscall3(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

__attribute__((noipa)) void spin(long interval_ms)
{
	struct timespec pause = { interval_ms / 1000, (interval_ms % 1000) * 1000000 };

	for (;;) {
		raw_syscall3(1 /* write */, 1, (long)"top frame UNPATCHED\n", sizeof "top frame UNPATCHED\n" - 1);
		raw_syscall3(35 /* nanosleep */, (long)&pause, 0, 0);
	}
}

int main(int argc, char *argv[])
{
	spin(argc > 1 ? atol(argv[1]) : 1000);
	return 0;
}
