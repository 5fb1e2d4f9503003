#pragma once
// mno::UsageError — an mno::Error in the command line itself: a missing or conflicting flag, a
// value out of its range, a choice that is not one of the allowed ones. The CLI exits with 2 for
// it (1 for every other error), as it does for what CLI11 rejects while parsing. It is thrown
// where the check needs more than the flags (a sample index checked against the file's size),
// or where a library entry point checks the request it was given (mno launch's command).
#include <string>
#include <utility>

#include "mno/core/error.h"

namespace mno {

class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message) {}
};

// Throws mno::UsageError with a formatted message when `cond` is false.
template <typename... Args>
void usage_check(bool cond, fmt::format_string<Args...> format, Args&&... args) {
  if (!cond) throw UsageError(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace mno
