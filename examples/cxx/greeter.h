// A small class hierarchy: the running program calls a virtual member function through
// a base-class pointer, the way real C++ code reaches the code a patch replaces.
#pragma once
#include <string>

class Greeter {
public:
	explicit Greeter(std::string name) : name_(std::move(name)) {}
	virtual ~Greeter() = default;
	// Defined in greeter.cpp: main.cpp cannot inline it, so every call stays a call.
	virtual void greet() const;
	const std::string &name() const { return name_; }

private:
	std::string name_;
};

class QuietGreeter : public Greeter {
public:
	using Greeter::Greeter;
	void greet() const override;
};
