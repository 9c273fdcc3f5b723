// The library half of cxx-throw-shared: parse_port() is the function the fix changes.
#include <stdexcept>
#include <string>

static volatile int parsed;

__attribute__((noipa)) int parse_port(const std::string &text)
{
	parsed = parsed + 1;
	return std::stoi(text) & 0xffff;
}
