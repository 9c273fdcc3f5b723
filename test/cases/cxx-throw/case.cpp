// A typical C++ security fix: a bounds check that throws. The new lookup() builds a string
// (so its copy has a landing pad that destroys it), throws std::out_of_range, and the
// unchanged caller catches it: the C++ runtime has to find the new code's call-frame
// information and exception table, or the process ends in std::terminate.
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <unistd.h>

static const int table[4] = {10, 20, 30, 40};

__attribute__((noipa)) int lookup(int index)
{
	return table[index & 3];
}

// The catch is here, not in main: gcc may schedule a catching caller differently once the
// callee throws, and main, which never returns, could not be replaced.
__attribute__((noipa)) void show(int index)
{
	try {
		std::printf("value %d\n", lookup(index));
	} catch (const std::out_of_range &e) {
		std::printf("refused: %s\n", e.what());
	}
	std::fflush(stdout);
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;
	int index = argc > 2 ? atoi(argv[2]) : 6;

	for (;;) {
		show(index);
		usleep(interval_ms * 1000);
	}
	return 0;
}
