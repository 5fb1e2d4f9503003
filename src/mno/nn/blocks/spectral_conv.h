#pragma once
// 2-D spectral convolution (Li et al.'s FNO layer; the GT regressor's SpectralConv2d):
// rfft2 of x [B, C_in, H, W]; the lowest modes1 × modes2 frequencies of the two corner blocks
// (rows [0, m1) and [H − m1, H), columns [0, m2)) are mixed over channels by their own complex
// weights; everything else is zeroed; irfft2 back to H × W.
// The weights are stored as real [C_in, C_out, m1, m2, 2] tensors (GT's layout), so parameter
// counts are of real numbers even where the original (PDEBench's FNO) used complex parameters.
#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace mno::nn {

struct SpectralConv2dOptions {
  int64_t in = 0, out = 0, modes1 = 12, modes2 = 12;
  std::string norm = "ortho";  // torch.fft norm: "ortho" (GT) or "backward" (FNO)
  // "gt": xavier_normal with gain √(in+out)/(in·out) (GT);
  // "fno": Uniform[0, 1)/(in·out) for real and imaginary parts (FNO / PDEBench).
  std::string init = "gt";
};

class SpectralConv2dImpl : public torch::nn::Module {
 public:
  explicit SpectralConv2dImpl(const SpectralConv2dOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight_low, weight_high;  // [in, out, m1, m2, 2]

 private:
  SpectralConv2dOptions options_;
};
TORCH_MODULE(SpectralConv2d);

}  // namespace mno::nn
