// A C++ function with an exception table: std::string temporaries (destroyed by landing pads
// if anything throws) and a try/catch around std::stoi. The live run does not throw (see desc).
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <unistd.h>

__attribute__((noipa)) std::string describe(const std::string &number)
{
	std::string prefix = "cxx exceptions ";
	try {
		return prefix + "UNPATCHED " + std::to_string(std::stoi(number));
	} catch (const std::invalid_argument &) {
		return prefix + "not a number";
	}
}

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? atol(argv[1]) : 1000;
	const std::string number = "21";

	for (;;) {
		std::printf("%s\n", describe(number).c_str());
		std::fflush(stdout);
		usleep(interval_ms * 1000);
	}
	return 0;
}
