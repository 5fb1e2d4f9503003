#include "mno/nn/blocks/spectral_conv.h"

#include <cmath>

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"

namespace mno::nn {
namespace {

torch::Tensor init_weight(const SpectralConv2dOptions& o) {
  const std::vector<int64_t> shape{o.in, o.out, o.modes1, o.modes2, 2};
  if (o.init == "fno") return torch::rand(shape) / static_cast<double>(o.in * o.out);
  // PyTorch's fans for a 5-D tensor: size(1)·receptive and size(0)·receptive.
  const double receptive = static_cast<double>(o.modes1 * o.modes2 * 2);
  const double gain = std::sqrt(double(o.in + o.out)) / double(o.in * o.out);
  const double std = gain * std::sqrt(2.0 / (receptive * double(o.in + o.out)));
  return torch::randn(shape) * std;
}

torch::Tensor mix(const torch::Tensor& x_ft, const torch::Tensor& weight) {
  return torch::einsum("bixy,ioxy->boxy", {x_ft, torch::view_as_complex(weight)});
}

}  // namespace

SpectralConv2dImpl::SpectralConv2dImpl(const SpectralConv2dOptions& o) : options_(o) {
  check(o.in > 0 && o.out > 0 && o.modes1 > 0 && o.modes2 > 0,
        "SpectralConv2d: expected positive channels and modes, found in {}, out {}, modes {} × {}", o.in, o.out,
        o.modes1, o.modes2);
  check(o.norm == "ortho" || o.norm == "backward", "SpectralConv2d: norm must be ortho or backward, found '{}'", o.norm);
  check(o.init == "gt" || o.init == "fno", "SpectralConv2d: init must be gt or fno, found '{}'", o.init);
  weight_low = register_parameter("weight_low", init_weight(o));
  weight_high = register_parameter("weight_high", init_weight(o));
}

torch::Tensor SpectralConv2dImpl::forward(const torch::Tensor& x) {
  const auto& o = options_;
  if (x.dim() != 4 || x.size(1) != o.in)
    throw mismatch_error("SpectralConv2d: input", fmt::format("[batch, {}, H, W]", o.in), compat::shape_str(x));
  const int64_t H = x.size(2), W = x.size(3);
  if (2 * o.modes1 > H || o.modes2 > W / 2 + 1)
    throw mismatch_error("SpectralConv2d: grid", fmt::format("H >= 2·modes1 = {} and W/2 + 1 >= modes2 = {}",
                                                             2 * o.modes1, o.modes2),
                         fmt::format("{} × {}", H, W));
  // The FFT in at least fp32 (16-bit inputs under autocast), and in fp64 for an fp64 model (the
  // float64 parity fixtures): a cast to fp32 there met the fp64 weights in the mix.
  const auto x_ft = torch::fft::rfft2(x.to(torch::promote_types(x.scalar_type(), torch::kFloat)), c10::nullopt,
                                      {-2, -1}, o.norm);
  auto out_ft = torch::zeros({x.size(0), o.out, H, W / 2 + 1}, x_ft.options());
  out_ft.narrow(2, 0, o.modes1).narrow(3, 0, o.modes2)
      .copy_(mix(x_ft.narrow(2, 0, o.modes1).narrow(3, 0, o.modes2), weight_low));
  out_ft.narrow(2, H - o.modes1, o.modes1).narrow(3, 0, o.modes2)
      .copy_(mix(x_ft.narrow(2, H - o.modes1, o.modes1).narrow(3, 0, o.modes2), weight_high));
  return torch::fft::irfft2(out_ft, std::vector<int64_t>{H, W}, {-2, -1}, o.norm).to(x.scalar_type());
}

}  // namespace mno::nn
