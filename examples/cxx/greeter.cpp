#include <cstdio>
#include "greeter.h"

// printf rather than building a std::string: see the README (C++ exception tables).
void Greeter::greet() const
{
	std::printf("Hello, %s!\n", name().c_str());
	std::fflush(stdout);
}

void QuietGreeter::greet() const
{
	std::printf("(hello, %s)\n", name().c_str());
	std::fflush(stdout);
}
