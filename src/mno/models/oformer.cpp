// OFormer as the MNO authors run it (docs/models.md, `oformer`): an encoder of mixer + GeGLU FFN layers
// over [f, pos], a point-wise decoder whose Fourier-feature query embedding cross-mixes with the
// encoder latent, then either
//   steady (Darcy): an MLP head on [q, pos];
//   marching (SW2D/DR2D): `steps` latent steps h ← h + MLP([LN(h), pos]), each decoded.
// The MNO variant is `mixer: {type: mamba}`: SS2D in the encoder, Cross SS2D in the decoder.
#include <algorithm>
#include <vector>

#include <fmt/ranges.h>

#include "mno/core/error.h"
#include "mno/models/builtin_models.h"
#include "mno/models/host_mixer.h"
#include "mno/models/oformer_options.h"
#include "mno/nn/attention/attention_common.h"
#include "mno/nn/blocks/feed_forward.h"

namespace mno::models {
namespace {

torch::nn::Linear linear(int64_t in, int64_t out, bool bias) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

class OformerImpl : public NeuralOperatorImpl {
 public:
  OformerImpl(const ConfigNode& node, int64_t in, int64_t out, const OformerOptions& o)
      : NeuralOperatorImpl("oformer", in, out), options_(o) {
    // Encoder.
    embed = register_module("embed", linear(in + 2, o.encoder_width, false));
    input_dropout = register_module("input_dropout", torch::nn::Dropout(o.input_dropout));
    for (int64_t i = 0; i < o.depth(); ++i) {
      const auto defaults =
          oformer_defaults(o.encoder_width, o.encoder_heads, o.encoder_head_dim, o.rotary_scales[i], false);
      const auto mixer = make_host_mixer(node, "mixer", defaults, o.encoder_width, nn::MixerRole::self);
      // auto: the layer pattern the mixer prefers (the authors' OFormer normalises the input of
      // softmax attention, and the residual stream around its other mixers).
      if (i == 0) pre_norm_ = o.encoder_norm == "pre" || (o.encoder_norm == "auto" && mixer->prefers_pre_norm());
      encoder_mixers->push_back(mixer);
      encoder_ffns->push_back(
          nn::FeedForward(o.encoder_width, o.encoder_width, nn::FeedForwardKind::geglu, o.ffn_dropout));
      for (int j = 0; j < 2; ++j)
        encoder_norms->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.encoder_width})));
    }
    register_module("encoder_mixers", encoder_mixers);
    register_module("encoder_ffns", encoder_ffns);
    register_module("encoder_norms", encoder_norms);
    to_latent = register_module("to_latent", linear(o.encoder_width, o.decoder_width, false));
    // Decoder: query embedding, one cross layer (no LayerNorm), then the head.
    const int64_t D = o.decoder_width, F = 2 * o.fourier_features;
    fourier = register_module("fourier", nn::GaussianFourierFeatures(2, o.fourier_features, o.fourier_scale));
    query_embed = register_module("query_embed",
                                  torch::nn::Sequential(linear(F, F, false), torch::nn::GELU(), linear(F, D, false)));
    cross_mixer = register_module(
        "cross_mixer",
        make_host_mixer(node, "mixer",
                        oformer_defaults(D, o.decoder_heads, o.decoder_head_dim, o.decoder_rotary_scale, true), D,
                        nn::MixerRole::cross));
    cross_ffn = register_module("cross_ffn", nn::FeedForward(D, D, nn::FeedForwardKind::geglu));
    if (!o.marching) {
      head = register_module("head", torch::nn::Sequential(linear(D + 2, D, false), torch::nn::GELU(),
                                                           linear(D, D / 2, false), torch::nn::GELU(),
                                                           linear(D / 2, out, true)));
      return;
    }
    const int64_t M = o.march_width;
    expand = register_module("expand", linear(D, M, true));
    propagator_norm = register_module("propagator_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({M})));
    propagator = register_module("propagator",
                                 torch::nn::Sequential(linear(M + 2, M, false), torch::nn::GELU(), linear(M, M, false),
                                                       torch::nn::GELU(), linear(M, M, false)));
    head = register_module("head", torch::nn::Sequential(torch::nn::LayerNorm(torch::nn::LayerNormOptions({M})),
                                                         linear(M, M / 2, false), torch::nn::GELU(),
                                                         linear(M / 2, M / 2, false), torch::nn::GELU(),
                                                         linear(M / 2, out / o.steps, true)));
  }

  torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& pos, const TokenGrid& grid) override {
    const auto g = check_inputs(features, pos, grid);
    const auto z = encode(features, pos, g);
    auto q = query_embed->forward(fourier->forward(pos));
    q = q + cross_mixer->forward(q, z, pos, g);
    q = q + cross_ffn->forward(q);
    if (!options_.marching) return head->forward(torch::cat({q, pos}, -1));
    auto h = expand->forward(q);
    std::vector<torch::Tensor> frames;
    for (int64_t t = 0; t < options_.steps; ++t) {
      h = h + propagator->forward(torch::cat({propagator_norm->forward(h), pos}, -1));
      frames.push_back(head->forward(h));
    }
    return torch::cat(frames, -1);  // step-major, then channel
  }

  std::string summary() const override {
    const auto& o = options_;
    std::string s = fmt::format("oformer: OFormer ({}), encoder width {} × {} layers ({}), latent {}\n",
                                o.marching ? fmt::format("latent marching, {} steps", o.steps) : "steady",
                                o.encoder_width, o.depth(), pre_norm_ ? "pre-norm" : "LayerNorm on the stream",
                                o.decoder_width);
    s += summary_line("encoder mixer", encoder_mixers->ptr<nn::TokenMixerImpl>(0)->describe());
    s += summary_line("encoder rotary scales", fmt::format("{}", fmt::join(o.rotary_scales, ", ")));
    s += summary_line("query embedding", fmt::format("Gaussian Fourier features (2 → {}, scale {}, frozen) → MLP → {}",
                                                     2 * o.fourier_features, o.fourier_scale, o.decoder_width));
    s += summary_line("decoder cross mixer", cross_mixer->describe());
    s += summary_line("head", o.marching ? fmt::format("propagator width {}, {} channel(s) per step", o.march_width,
                                                       out_channels() / o.steps)
                                         : fmt::format("MLP({} + 2 → {})", o.decoder_width, out_channels()));
    return s;
  }

  torch::nn::Linear embed{nullptr}, to_latent{nullptr}, expand{nullptr};
  torch::nn::Dropout input_dropout{nullptr};
  torch::nn::ModuleList encoder_mixers, encoder_ffns, encoder_norms;
  nn::GaussianFourierFeatures fourier{nullptr};
  torch::nn::Sequential query_embed{nullptr}, propagator{nullptr}, head{nullptr};
  nn::TokenMixer cross_mixer;
  nn::FeedForward cross_ffn{nullptr};
  torch::nn::LayerNorm propagator_norm{nullptr};

 private:
  // The authors' two layer patterns: galerkin and mamba normalise the stream itself
  // (x ← LN(x); x ← f(x) + x), softmax is pre-norm (x ← f(LN(x)) + x).
  torch::Tensor encode(const torch::Tensor& features, const torch::Tensor& pos, const TokenGrid& g) {
    auto x = input_dropout->forward(embed->forward(torch::cat({features, pos}, -1)));
    for (size_t i = 0; i < encoder_mixers->size(); ++i) {
      auto& norm1 = encoder_norms->at<torch::nn::LayerNormImpl>(2 * i);
      auto& norm2 = encoder_norms->at<torch::nn::LayerNormImpl>(2 * i + 1);
      auto mixer = encoder_mixers->ptr<nn::TokenMixerImpl>(i);
      auto& ffn = encoder_ffns->at<nn::FeedForwardImpl>(i);
      if (pre_norm_) {
        x = x + mixer->forward(norm1.forward(x), {}, pos, g);
        x = x + ffn.forward(norm2.forward(x));
      } else {
        x = norm1.forward(x);
        x = x + mixer->forward(x, {}, pos, g);
        x = norm2.forward(x);
        x = x + ffn.forward(x);
      }
    }
    return to_latent->forward(x);
  }

  OformerOptions options_;
  bool pre_norm_ = false;
};

}  // namespace

// The config's options over the variant's defaults (everything but the channel counts).
OformerOptions read_oformer_options(const ConfigNode& node) {
  const auto variant = node.get<std::string>("variant", "steady");
  if (variant != "steady" && variant != "marching")
    throw mismatch_error(nn::key_where(node, "variant"), "steady or marching", "'" + variant + "'");
  OformerOptions o = OformerOptions::defaults(variant == "marching");
  o.encoder_width = nn::positive_key(node, "encoder_width", o.encoder_width);
  o.encoder_heads = nn::positive_key(node, "encoder_heads", o.encoder_heads);
  o.encoder_head_dim = nn::positive_key(node, "encoder_head_dim", o.encoder_head_dim);
  o.rotary_scales = node.get<std::vector<double>>("rotary_scales", o.rotary_scales);
  if (o.rotary_scales.empty())
    throw mismatch_error(nn::key_where(node, "rotary_scales"), "one scale per encoder layer", "an empty list");
  o.input_dropout = node.get<double>("input_dropout", o.input_dropout);
  o.ffn_dropout = node.get<double>("ffn_dropout", o.ffn_dropout);
  o.encoder_norm = node.get<std::string>("encoder_norm", o.encoder_norm);
  if (o.encoder_norm != "auto" && o.encoder_norm != "stream" && o.encoder_norm != "pre")
    throw mismatch_error(nn::key_where(node, "encoder_norm"), "auto, stream or pre", "'" + o.encoder_norm + "'");
  o.decoder_width = nn::positive_key(node, "decoder_width", o.decoder_width);
  o.decoder_heads = nn::positive_key(node, "decoder_heads", o.decoder_heads);
  o.decoder_head_dim = nn::positive_key(node, "decoder_head_dim", o.decoder_head_dim);
  o.fourier_features = nn::positive_key(node, "fourier_features", o.fourier_features);
  o.fourier_scale = node.get<double>("fourier_scale", o.fourier_scale);
  o.decoder_rotary_scale = node.get<double>("decoder_rotary_scale", o.decoder_rotary_scale);
  if (o.marching) {
    o.steps = nn::positive_key(node, "steps", o.steps);
    o.march_width = nn::positive_key(node, "march_width", o.march_width);
  }
  return o;
}

// Host defaults for one mixer: heads, head size and rotary scale as the authors set them; the
// output projection is dropped only where one head already spans d_model (OFormer's rule).
MixerDefaults oformer_defaults(int64_t width, int64_t heads, int64_t head_dim, double rotary, bool cross) {
  YAML::Node galerkin;
  galerkin["heads"] = heads;
  galerkin["head_dim"] = head_dim;
  galerkin["rotary_scale"] = rotary;
  galerkin["out_proj"] = !(heads == 1 && head_dim == width);
  YAML::Node softmax = YAML::Clone(galerkin);
  softmax["qkv_bias"] = false;
  if (cross) softmax["init"] = "orthogonal";
  else softmax.remove("rotary_scale");  // OFormer's self softmax attention has no positions
  return {{"rotary_galerkin", galerkin}, {"softmax", softmax}};
}

NeuralOperator make_oformer(const ConfigNode& node) {
  const OformerOptions o = read_oformer_options(node);
  const int64_t in = nn::positive_key(node, "in_channels", 1);
  const int64_t out = nn::positive_key(node, "out_channels", 1);
  if (o.marching) {
    if (out % o.steps != 0)
      throw mismatch_error(nn::key_where(node, "out_channels"),
                           fmt::format("a multiple of steps = {} (steps × channels per step)", o.steps),
                           std::to_string(out));
  }
  return std::make_shared<OformerImpl>(node, in, out, o);
}

}  // namespace mno::models
