#pragma once
// How a token mixer that is a state-space model shows its frequency response (`mno analyze ssm`,
// docs/ssm.md), so that nothing outside nn/ asks a mixer's type or casts to a concrete mixer: a
// mixer answers TokenMixerImpl::ssm_probe() with itself when it is an SSM, else nullptr.
#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace mno::nn {

class SsmProbe {
 public:
  virtual ~SsmProbe() = default;
  // "s6", "s4" or "s4d".
  virtual std::string ssm_kind() const = 0;
  // From now on each forward pass records the response its selection gives at the angles `theta`
  // (S6: Δ, B and C depend on the input, so the system is frozen at each position and averaged);
  // a time-invariant layer has nothing to record.
  virtual void start_recording(const torch::Tensor& theta) {}
  virtual void stop_recording() {}
  // |H(e^{iθ})| [directions · channels, angles], float64 on the CPU, rows direction-major: a
  // time-invariant layer's transfer function for sequences of `length`; an S6 layer's recorded
  // magnitudes averaged over the forwards since start_recording (zeros when none ran).
  virtual torch::Tensor response_magnitude(const torch::Tensor& theta, int64_t length) = 0;
};

}  // namespace mno::nn
