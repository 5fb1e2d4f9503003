#pragma once
// mno::Error — the one exception type mno throws for anything a user can fix.
// Its message always says where (file, config key, tensor), what was expected and what was found,
// so the CLI can print it as one `error: …` line (docs/architecture.md).
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace mno {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// "<where>: expected <expected>, found <found>" — the shape of most of our messages.
inline Error mismatch_error(const std::string& where, const std::string& expected, const std::string& found) {
  return Error(fmt::format("{}: expected {}, found {}", where, expected, found));
}

// Throws mno::Error with a formatted message when `cond` is false.
template <typename... Args>
void check(bool cond, fmt::format_string<Args...> format, Args&&... args) {
  if (!cond) throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace mno
