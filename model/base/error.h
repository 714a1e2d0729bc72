#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace drig {

// Every failure a user can cause (bad file, bad option, missing asset) is an
// Error whose message names the thing and the problem; it is caught at the CLI
// or GUI boundary and shown, never left to terminate the program.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Thrown from a long job when its CancelToken fires; callers treat it as a
// clean stop, not a failure.
class CancelledError : public Error {
public:
  CancelledError() : Error("cancelled") {}
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

} // namespace drig

// DRIG_CHECK(cond, "format {}", value): throws drig::Error with the message.
#define DRIG_CHECK(cond, ...)                                                                      \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      ::drig::fail(__VA_ARGS__);                                                                   \
  } while (false)
