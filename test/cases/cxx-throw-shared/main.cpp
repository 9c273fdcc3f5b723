// A fix in a shared library that throws: the library's new parse_port() rejects a port out of
// range with std::out_of_range, and the unchanged program catches it. The library's patch
// has its own call-frame information, registered with the same C++ unwinder.
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <unistd.h>

int parse_port(const std::string &text);

__attribute__((noipa)) void show(const std::string &text)
{
	try {
		std::printf("port %d\n", parse_port(text));
	} catch (const std::out_of_range &e) {
		std::printf("refused: %s\n", e.what());
	}
	std::fflush(stdout);
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;
	const std::string text = argc > 2 ? argv[2] : "70000";

	for (;;) {
		show(text);
		usleep(interval_ms * 1000);
	}
	return 0;
}
