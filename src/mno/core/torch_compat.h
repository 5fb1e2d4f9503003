#pragma once
// The only place where LibTorch 1.13 (Debian, CPU) and 2.x (the GPU machine) differ for us
// (docs/libtorch.md). Everything else includes this instead of guessing versions.
#include <string>
#include <vector>

#include <torch/torch.h>
#include <torch/version.h>

#define MNO_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace mno::compat {

inline std::string torch_version() { return TORCH_VERSION; }

// "[2, 384, 4096]" — for error messages.
inline std::string shape_str(const at::Tensor& t) {
  if (!t.defined()) return "an undefined tensor";
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

// An optional tensor argument of a custom autograd Function: LibTorch 1.13's apply() fails on an
// undefined Tensor argument ("tensor does not have a device"), so absent inputs go as nullopt.
inline c10::optional<at::Tensor> optional_of(const at::Tensor& t) {
  return t.defined() ? c10::optional<at::Tensor>(t) : c10::nullopt;
}
// The other way: an optional tensor argument as a Tensor, undefined when absent.
inline at::Tensor value_or_undefined(const c10::optional<at::Tensor>& t) { return t.has_value() ? *t : at::Tensor(); }

inline std::string shape_str(const std::vector<int64_t>& sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

inline std::string dtype_str(const at::Tensor& t) { return std::string(c10::toString(t.scalar_type())); }

}  // namespace mno::compat
