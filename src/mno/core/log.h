#pragma once
// Messages for people, on stderr so that stdout stays for results (tables, JSON).
#include <cstdio>

#include <fmt/format.h>

namespace mno::log {

template <typename... Args> void info(fmt::format_string<Args...> f, Args&&... args) {
  fmt::print(stderr, "{}\n", fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args> void warn(fmt::format_string<Args...> f, Args&&... args) {
  fmt::print(stderr, "warning: {}\n", fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace mno::log
