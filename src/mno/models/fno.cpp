// A 2-D Fourier neural operator baseline with PDEBench's configuration (12 modes, width 20,
// 4 layers, padding 2): lift Linear([f, pos] → width); per layer x ← SpectralConv(x) + Conv1×1(x)
// with GELU between layers (none after the last); project Linear(width → 128) GELU
// Linear(128 → out). Used one-shot here (all output steps as channels), like GNOT and GT.
#include "mno/core/error.h"
#include "mno/models/builtin_models.h"
#include "mno/models/host_mixer.h"
#include "mno/nn/attention/attention_common.h"
#include "mno/nn/blocks/spectral_conv.h"

namespace mno::models {
namespace {

struct FnoOptions {
  int64_t width = 20, modes = 12, layers = 4, padding = 2, hidden = 128;
};

class FnoImpl : public NeuralOperatorImpl {
 public:
  FnoImpl(int64_t in, int64_t out, const FnoOptions& o) : NeuralOperatorImpl("fno", in, out), options_(o) {
    lift = register_module("lift", torch::nn::Linear(in + 2, o.width));
    for (int64_t i = 0; i < o.layers; ++i) {
      nn::SpectralConv2dOptions s;
      s.in = s.out = o.width;
      s.modes1 = s.modes2 = o.modes;
      s.norm = "backward";
      s.init = "fno";
      spectral->push_back(nn::SpectralConv2d(s));
      pointwise->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(o.width, o.width, 1)));
    }
    register_module("spectral", spectral);
    register_module("pointwise", pointwise);
    project = register_module("project", torch::nn::Sequential(torch::nn::Linear(o.width, o.hidden), torch::nn::GELU(),
                                                               torch::nn::Linear(o.hidden, out)));
  }

  torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& pos, const TokenGrid& grid) override {
    const auto g = nn::resolve_token_grid(check_inputs(features, pos, grid), features.size(1), "fno (spectral layers)");
    const int64_t B = features.size(0), p = options_.padding;
    auto x = lift->forward(torch::cat({features, pos}, -1)).view({B, g.height, g.width, -1}).permute({0, 3, 1, 2});
    // Zero padding on the high side of both axes, as PDEBench does for non-periodic data.
    x = torch::constant_pad_nd(x, {0, p, 0, p});
    for (size_t i = 0; i < spectral->size(); ++i) {
      x = spectral->at<nn::SpectralConv2dImpl>(i).forward(x) + pointwise->at<torch::nn::Conv2dImpl>(i).forward(x);
      if (i + 1 < spectral->size()) x = torch::gelu(x);
    }
    x = x.narrow(2, 0, g.height).narrow(3, 0, g.width).permute({0, 2, 3, 1}).reshape({B, g.height * g.width, -1});
    return project->forward(x);
  }

  std::string summary() const override {
    const auto& o = options_;
    return fmt::format("fno: FNO2d, width {}, {} layers, modes {} × {}, padding {}\n", o.width, o.layers, o.modes,
                       o.modes, o.padding) +
           summary_line("lift", fmt::format("Linear({} + 2 → {})", in_channels(), o.width)) +
           summary_line("project", fmt::format("Linear({} → {}) GELU Linear({} → {})", o.width, o.hidden, o.hidden,
                                               out_channels()));
  }

  torch::nn::Linear lift{nullptr};
  torch::nn::ModuleList spectral, pointwise;
  torch::nn::Sequential project{nullptr};

 private:
  FnoOptions options_;
};

}  // namespace

NeuralOperator make_fno(const ConfigNode& node) {
  FnoOptions o;
  const int64_t in = nn::positive_key(node, "in_channels", 1);
  const int64_t out = nn::positive_key(node, "out_channels", 1);
  o.width = nn::positive_key(node, "width", o.width);
  o.modes = nn::positive_key(node, "modes", o.modes);
  o.layers = nn::positive_key(node, "layers", o.layers);
  o.padding = node.get<int64_t>("padding", o.padding);
  if (o.padding < 0) throw mismatch_error(nn::key_where(node, "padding"), "0 or more", std::to_string(o.padding));
  o.hidden = nn::positive_key(node, "hidden", o.hidden);
  return std::make_shared<FnoImpl>(in, out, o);
}

}  // namespace mno::models
