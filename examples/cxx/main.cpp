// Prints a greeting every second (or every N milliseconds: ./greeter N [quiet]), through
// a Greeter chosen at run time, so the call is a real virtual call.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include "greeter.h"

int main(int argc, char *argv[])
{
	long interval_ms = argc > 1 ? std::atol(argv[1]) : 1000;
	std::unique_ptr<Greeter> greeter;
	if (argc > 2 && std::string(argv[2]) == "quiet")
		greeter = std::make_unique<QuietGreeter>("tscare");
	else
		greeter = std::make_unique<Greeter>("tscare");

	for (;;) {
		greeter->greet();
		std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
	}
}
