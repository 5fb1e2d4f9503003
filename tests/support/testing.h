#pragma once
// Helpers shared by the tests: error-message checks and tensor comparisons.
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "mno/core/error.h"

namespace mno::testing {

// Runs fn, expects an mno::Error whose message contains every one of `parts`.
inline void expect_error(const std::function<void()>& fn, std::initializer_list<std::string> parts) {
  try {
    fn();
  } catch (const mno::Error& e) {
    const std::string message = e.what();
    for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << "message: " << message << "\nmissing: " << part;
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected mno::Error, got another exception: " << e.what();
    return;
  }
  ADD_FAILURE() << "expected mno::Error, nothing was thrown";
}

// The whole contents of a file, byte for byte ("" when it cannot be read).
inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// ||a - b|| / ||b|| in double (b is the reference).
inline double relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  const auto ad = a.to(torch::kDouble), bd = b.to(torch::kDouble);
  const double denom = bd.norm().item<double>();
  const double num = (ad - bd).norm().item<double>();
  return denom == 0 ? num : num / denom;
}

}  // namespace mno::testing
