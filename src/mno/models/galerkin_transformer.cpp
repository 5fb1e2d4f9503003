// The Galerkin Transformer as the MNO authors run it (docs/models.md, `gt`): Linear([f, pos] → D),
// encoder layers x ← x + mixer(x, pos); x ← x + FFN(x) with no LayerNorms and a ReLU FFN, then the
// regressor: spectral on a grid (the authors'), or point-wise on scattered points (docs/irregular.md).
// The MNO variant is `mixer: {type: mamba}` (or mamba4).
#include <optional>

#include "mno/core/error.h"
#include "mno/models/builtin_models.h"
#include "mno/models/host_mixer.h"
#include "mno/nn/attention/attention_common.h"
#include "mno/nn/blocks/feed_forward.h"
#include "mno/nn/blocks/spectral_conv.h"

namespace mno::models {
namespace {

struct GtOptions {
  int64_t width = 256, layers = 6, ffn_dim = 256;
  double residual_dropout = 0.0;  // the authors' encoder forces 0.1 for softmax; set in that config
  int64_t freq_dim = 32, modes = 12, spectral_layers = 2, regressor_hidden = 128;
  // spectral: SpectralConv2d + Linear per layer, which needs the H × W grid; pointwise: the Linear
  // alone, so GT takes scattered points (the encoder's mixers do the spatial mixing).
  bool pointwise = false;
};

// One regressor layer: SiLU(SpectralConv2d(x) + Linear(x)) on the H × W grid.
class SpectralLayerImpl : public torch::nn::Module {
 public:
  SpectralLayerImpl(int64_t channels, int64_t modes) {
    nn::SpectralConv2dOptions o;
    o.in = o.out = channels;
    o.modes1 = o.modes2 = modes;
    spectral = register_module("spectral", nn::SpectralConv2d(o));
    residual = register_module("residual", torch::nn::Linear(channels, channels));
  }
  // x [B, L, C] on grid -> [B, L, C]
  torch::Tensor forward(const torch::Tensor& x, const TokenGrid& grid) {
    const int64_t B = x.size(0), C = x.size(2);
    const auto image = x.view({B, grid.height, grid.width, C}).permute({0, 3, 1, 2});
    const auto spectral_out = spectral->forward(image).permute({0, 2, 3, 1}).reshape({B, -1, C});
    return torch::silu(spectral_out + residual->forward(x));
  }
  nn::SpectralConv2d spectral{nullptr};
  torch::nn::Linear residual{nullptr};
};
TORCH_MODULE(SpectralLayer);

class GalerkinTransformerImpl : public NeuralOperatorImpl {
 public:
  GalerkinTransformerImpl(const ConfigNode& node, int64_t in, int64_t out, const GtOptions& o)
      : NeuralOperatorImpl("gt", in, out), options_(o) {
    embed = register_module("embed", torch::nn::Linear(in + 2, o.width));
    // GT's softmax attention: 4 heads, LayerNorm on q and k (eps 1e-7), positions concatenated,
    // xavier(0.01) + 0.01·I init. galerkin/fourier defaults are already GT's.
    const MixerDefaults defaults{
        {"softmax", YAML::Load("{heads: 4, qk_norm: true, norm_eps: 1.0e-7, pos_dim: 2, init: gt}")}};
    for (int64_t i = 0; i < o.layers; ++i) {
      mixers->push_back(make_host_mixer(node, "mixer", defaults, o.width, nn::MixerRole::self));
      ffns->push_back(nn::FeedForward(o.width, o.ffn_dim, nn::FeedForwardKind::relu));
    }
    register_module("mixers", mixers);
    register_module("ffns", ffns);
    dropout = register_module("dropout", torch::nn::Dropout(o.residual_dropout));
    regressor_in = register_module("regressor_in", torch::nn::Linear(o.width + 2, o.freq_dim));
    for (int64_t i = 0; i < o.spectral_layers; ++i) {
      if (o.pointwise) pointwise_layers->push_back(torch::nn::Linear(o.freq_dim, o.freq_dim));
      else spectral_layers->push_back(SpectralLayer(o.freq_dim, o.modes));
    }
    // One of the two lists holds the layers; the other stays empty and out of the state dict, so a
    // spectral GT's parameter names are the authors' (import, export).
    register_module(o.pointwise ? "pointwise_layers" : "spectral_layers", o.pointwise ? pointwise_layers : spectral_layers);
    regressor_out = register_module(
        "regressor_out", torch::nn::Sequential(torch::nn::Linear(o.freq_dim, o.regressor_hidden), torch::nn::SiLU(),
                                               torch::nn::Linear(o.regressor_hidden, out)));
  }

  torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& pos, const TokenGrid& grid) override {
    const TokenGrid checked = check_inputs(features, pos, grid);
    const auto g = options_.pointwise ? checked
                                      : nn::resolve_token_grid(checked, features.size(1),
                                                               "gt (spectral regressor; model.regressor: pointwise "
                                                               "takes scattered points)");
    auto x = embed->forward(torch::cat({features, pos}, -1));
    for (size_t i = 0; i < mixers->size(); ++i) {
      x = x + dropout->forward(mixers->ptr<nn::TokenMixerImpl>(i)->forward(x, {}, pos, g));
      x = x + dropout->forward(ffns->at<nn::FeedForwardImpl>(i).forward(x));
    }
    auto h = regressor_in->forward(torch::cat({x, pos}, -1));
    for (const auto& layer : *spectral_layers) h = layer->as<SpectralLayerImpl>()->forward(h, g);
    for (const auto& layer : *pointwise_layers) h = torch::silu(layer->as<torch::nn::LinearImpl>()->forward(h));
    return regressor_out->forward(h);
  }

  std::string summary() const override {
    const auto& o = options_;
    std::string s = fmt::format("gt: Galerkin Transformer, width {}, {} layers, ReLU FFN {}, residual dropout {}\n",
                                o.width, o.layers, o.ffn_dim, o.residual_dropout);
    s += summary_line("embed", fmt::format("Linear({} + 2 → {})", in_channels(), o.width));
    s += summary_line("mixer", mixers->ptr<nn::TokenMixerImpl>(0)->describe());
    const std::string layers = o.pointwise ? fmt::format("{} × SiLU(Linear({} → {}))", o.spectral_layers, o.freq_dim, o.freq_dim)
                                           : fmt::format("{} × SpectralConv2d({}, modes {})", o.spectral_layers,
                                                         o.freq_dim, o.modes);
    s += summary_line("regressor", fmt::format("Linear({} + 2 → {}), {}, Linear({} → {}) SiLU Linear({} → {})",
                                               o.width, o.freq_dim, layers, o.freq_dim, o.regressor_hidden,
                                               o.regressor_hidden, out_channels()));
    return s;
  }

  torch::nn::Linear embed{nullptr}, regressor_in{nullptr};
  torch::nn::ModuleList mixers, ffns, spectral_layers, pointwise_layers;
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Sequential regressor_out{nullptr};

 private:
  GtOptions options_;
};

}  // namespace

NeuralOperator make_galerkin_transformer(const ConfigNode& node) {
  GtOptions o;
  const int64_t in = nn::positive_key(node, "in_channels", 1);
  const int64_t out = nn::positive_key(node, "out_channels", 1);
  o.width = nn::positive_key(node, "width", o.width);
  o.layers = nn::positive_key(node, "layers", o.layers);
  o.ffn_dim = nn::positive_key(node, "ffn_dim", o.ffn_dim);
  o.residual_dropout = node.get<double>("residual_dropout", o.residual_dropout);
  if (o.residual_dropout < 0 || o.residual_dropout >= 1)
    throw mismatch_error(nn::key_where(node, "residual_dropout"), "a probability in [0, 1)",
                         fmt::format("{}", o.residual_dropout));
  o.freq_dim = nn::positive_key(node, "freq_dim", o.freq_dim);
  o.modes = nn::positive_key(node, "modes", o.modes);
  o.spectral_layers = nn::positive_key(node, "spectral_layers", o.spectral_layers);
  o.regressor_hidden = nn::positive_key(node, "regressor_hidden", o.regressor_hidden);
  o.pointwise = node.get_choice("regressor", "spectral", {"spectral", "pointwise"}) == "pointwise";
  return std::make_shared<GalerkinTransformerImpl>(node, in, out, o);
}

}  // namespace mno::models
