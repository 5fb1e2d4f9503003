#include "mno/run/device.h"

#include "mno/core/error.h"

namespace mno::run {

torch::Device resolve_device(const std::string& requested, const std::string& what) {
  check(requested == "auto" || requested == "cpu" || requested == "cuda", "{}: expected auto, cpu or cuda, found '{}'",
        what, requested);
  const bool cuda = torch::cuda::is_available();
  if (requested == "cpu" || (requested == "auto" && !cuda)) return torch::Device(torch::kCPU);
  check(cuda, "{}: cuda was asked for, but no CUDA device is available to this build (Debian's LibTorch is "
        "CPU-only; see docs/gpu.md)", what);
  return torch::Device(torch::kCUDA, 0);
}

}  // namespace mno::run
