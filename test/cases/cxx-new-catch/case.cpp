// The fix adds a try/catch for an exception type the file never caught (std::bad_alloc): the
// new code's exception table names a new C++ typeinfo reference (DW.ref._ZTISt9bad_alloc),
// which goes into the patch's data, next to the existing DW.ref.__gxx_personality_v0.
#include <cstdio>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>
#include <unistd.h>

static char *volatile spare;

__attribute__((noipa)) std::string make(long n)
{
	return std::string(n, 'x');
}

__attribute__((noipa)) void show(long n)
{
	try {
		std::printf("len %zu\n", make(n).size());
	} catch (const std::length_error &) {
		std::printf("too long\n");
	}
	std::fflush(stdout);
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;

	for (;;) {
		show(3);
		usleep(interval_ms * 1000);
	}
	return 0;
}
