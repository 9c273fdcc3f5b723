// An exception thrown by unchanged code below the patched function: std::stoi throws
// std::invalid_argument for "x", and it has to pass through the new weight()'s frame (whose
// landing pad destroys a string) to reach the unchanged caller's catch.
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <unistd.h>

__attribute__((noipa)) int parse(const std::string &text)
{
	return std::stoi(text);
}

__attribute__((noipa)) int weight(const std::string &text)
{
	return parse(text) * 2;
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;
	const std::string inputs[2] = {"7", "x"};

	for (unsigned i = 0;; i++) {
		const std::string &text = inputs[i % 2];
		try {
			std::printf("weight %d\n", weight(text));
		} catch (const std::invalid_argument &) {
			std::printf("invalid: %s\n", text.c_str());
		}
		std::fflush(stdout);
		usleep(interval_ms * 1000);
	}
	return 0;
}
