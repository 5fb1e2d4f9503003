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
#include "mno/models/authors_names.h"
#include "mno/models/builtin_models.h"
#include "mno/models/host_mixer.h"
#include "mno/nn/attention_common.h"
#include "mno/nn/feed_forward.h"

namespace mno::models {
namespace {

struct OformerOptions {
  bool marching = false;
  int64_t encoder_width = 96, encoder_heads = 4, encoder_head_dim = 96;
  std::vector<double> rotary_scales{64, 16, 1, 1, 1, 1};  // one per encoder layer
  double input_dropout = 0.05, ffn_dropout = 0.03;
  std::string encoder_norm = "auto";  // auto | stream | pre
  int64_t decoder_width = 256, decoder_heads = 4, decoder_head_dim = 256;
  int64_t fourier_features = 128;
  double fourier_scale = 0.5, decoder_rotary_scale = 16;
  int64_t steps = 91, march_width = 128;

  // The authors' settings of each variant.
  static OformerOptions defaults(bool marching) {
    OformerOptions o;
    o.marching = marching;
    if (marching) {
      o.encoder_width = 64, o.encoder_heads = 1, o.encoder_head_dim = 64, o.rotary_scales = {32, 1};
      o.input_dropout = o.ffn_dropout = 0.0;
      o.decoder_width = 64, o.decoder_heads = 4, o.decoder_head_dim = 64;
      o.fourier_features = 64, o.fourier_scale = 8;
    }
    return o;
  }
  int64_t depth() const { return static_cast<int64_t>(rotary_scales.size()); }
};

torch::nn::Linear linear(int64_t in, int64_t out, bool bias) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
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

class OformerImpl : public NeuralOperatorImpl {
 public:
  OformerImpl(const ConfigNode& node, int64_t in, int64_t out, const OformerOptions& o)
      : NeuralOperatorImpl("oformer", in, out), options_(o) {
    const auto type = mixer_type(node, "mixer");
    pre_norm_ = o.encoder_norm == "pre" || (o.encoder_norm == "auto" && type == "softmax");
    // Encoder.
    embed = register_module("embed", linear(in + 2, o.encoder_width, false));
    input_dropout = register_module("input_dropout", torch::nn::Dropout(o.input_dropout));
    for (int64_t i = 0; i < o.depth(); ++i) {
      const auto defaults =
          oformer_defaults(o.encoder_width, o.encoder_heads, o.encoder_head_dim, o.rotary_scales[i], false);
      encoder_mixers->push_back(make_host_mixer(node, "mixer", defaults, o.encoder_width, nn::MixerRole::self));
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

namespace {

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

}  // namespace

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

// The authors' names (MambaOFormer/nn_module/, docs/models.md): two state dicts, prefixed
// "encoder." and "decoder." (authors_checkpoint_parts). The encoder is SpatialEncoder2D (steady;
// final projection `to_out.0`) or SpatialTemporalEncoder2D (marching; `project_to_latent.0`), whose
// TransformerCatNoCls holds per layer [LayerNorm, mixer, LayerNorm, FeedForward] (galerkin, mamba:
// layers.i.{0,1,2,3}) or [PreNorm(attention), PreNorm(FeedForward)] (softmax: layers.i.{0,1}.norm,
// .fn). FeedForward is net.{0: Linear(d, 2h), 3: Linear(h, d)}; to_out of an attention is
// Sequential(Linear, Dropout). The decoder is PointWiseDecoder2DSimple (steady) or
// PointWiseDecoder2D (marching): coordinate_projection = [GaussianFourierFeatureTransform (_B),
// Linear, GELU, Linear], decoding_transformer = CrossFormer (cross_attn_module, ffn), then to_out
// (steady: Linear, GELU, Linear, GELU, Linear) or expand_feat, propagator.0 = [LayerNorm,
// Sequential(Linear, GELU, Linear, GELU, Linear)] and to_out = [LayerNorm, Linear, GELU, Linear,
// GELU, Linear]. SS2D / CrossSS2D parameters carry the same names as ours.
//
// The encoder's self attention (galerkin, softmax) is one fused to_qkv.weight [3·H·d_h, D] in the
// authors' code (q, k, v = chunk(3) of its output); ours is to_q + to_kv (galerkin) or to_q, to_k,
// to_v (softmax): row chunks of theirs. The authors' RotaryEmbedding keeps inv_freq [d_h/4] as a
// buffer (emb_module.inv_freq); ours computes the same frequencies from the config (not imported).
NameTable oformer_authors_names(const ConfigNode& model_node) {
  const auto type = mixer_type(model_node, "mixer");
  if (type != "rotary_galerkin" && type != "softmax" && type != "mamba")
    throw Error(fmt::format("model.mixer.type '{}': the MNO authors' OFormer has rotary_galerkin (OFormer), softmax "
                            "(--use_st) and mamba (--use_mamba) only",
                            type));
  const bool marching = model_node.get<std::string>("variant", "steady") == "marching";
  const auto norm = model_node.get<std::string>("encoder_norm", "auto");
  const bool pre_norm = type == "softmax";  // the authors' layer pattern for each mixer
  if (norm != "auto" && norm != (pre_norm ? "pre" : "stream"))
    throw Error(fmt::format("model.encoder_norm '{}': the authors' OFormer with {} uses '{}'", norm, type,
                            pre_norm ? "pre" : "stream"));
  const auto depth =
      model_node.get<std::vector<double>>("rotary_scales", OformerOptions::defaults(marching).rotary_scales).size();

  const std::string layers = "encoder.s_transformer.layers.$1.";
  const std::string cross = "decoder.decoding_transformer.cross_attn_module.";
  NameTable table = {
      {R"(embed\.weight)", "encoder.to_embedding.0.weight"},
      {R"(to_latent\.weight)", marching ? "encoder.project_to_latent.0.weight" : "encoder.to_out.0.weight"},
      {R"(fourier\.B)", "decoder.coordinate_projection.0._B"},
      {R"(query_embed\.0\.weight)", "decoder.coordinate_projection.1.weight"},
      {R"(query_embed\.2\.weight)", "decoder.coordinate_projection.3.weight"},
      {R"(cross_ffn\.fc1\.(weight|bias))", "decoder.decoding_transformer.ffn.net.0.$1"},
      {R"(cross_ffn\.fc2\.(weight|bias))", "decoder.decoding_transformer.ffn.net.3.$1"},
      {R"(cross_mixer\.to_out\.(weight|bias))", cross + "to_out.0.$1"},
      {R"(cross_mixer\.(to_q|to_kv|to_k|to_v)\.weight)", cross + "$1.weight"},
      {"", R"(.*\.emb_module\.inv_freq)"},
  };
  if (type == "mamba") table.push_back({R"(cross_mixer\.(.+))", cross + "$1"});  // SS2D names are the authors'
  if (marching) {
    table.insert(table.end(), {
                                  {R"(expand\.(weight|bias))", "decoder.expand_feat.$1"},
                                  {R"(propagator_norm\.(weight|bias))", "decoder.propagator.0.0.$1"},
                                  {R"(propagator\.(0|2|4)\.weight)", "decoder.propagator.0.1.$1.weight"},
                                  {R"(head\.(0|1|3|5)\.(weight|bias))", "decoder.to_out.$1.$2"},
                              });
  } else {
    table.push_back({R"(head\.(0|2|4)\.(weight|bias))", "decoder.to_out.$1.$2"});
  }
  // Encoder layer i: softmax is [PreNorm(StandardAttention), PreNorm(FeedForward)] (attention in
  // layers.i.0.fn, FFN in layers.i.1.fn), galerkin and mamba [LayerNorm, mixer, LayerNorm,
  // FeedForward] (layers.i.1, layers.i.3).
  const std::string attention = layers + (pre_norm ? "0.fn." : "1."), ffn = layers + (pre_norm ? "1.fn." : "3.");
  table.insert(table.end(), {
                                {R"(encoder_mixers\.(\d+)\.to_out\.(weight|bias))", attention + "to_out.0.$2"},
                                {R"(encoder_mixers\.(\d+)\.to_q\.weight)", attention + "to_qkv.weight#0/3"},
                                {R"(encoder_mixers\.(\d+)\.to_k\.weight)", attention + "to_qkv.weight#1/3"},
                                {R"(encoder_mixers\.(\d+)\.to_v\.weight)", attention + "to_qkv.weight#2/3"},
                                {R"(encoder_mixers\.(\d+)\.to_kv\.weight)", attention + "to_qkv.weight#1-2/3"},
                                {R"(encoder_ffns\.(\d+)\.fc1\.(weight|bias))", ffn + "net.0.$2"},
                                {R"(encoder_ffns\.(\d+)\.fc2\.(weight|bias))", ffn + "net.3.$2"},
                            });
  if (type == "mamba") table.push_back({R"(encoder_mixers\.(\d+)\.(.+))", attention + "$2"});
  // SW/DR: the authors' loaders give point (i, j) the position (y_j, x_i) where mno gives (x_i, y_j)
  // (docs/models.md, "Coordinate order"); their Darcy loader gives (x_i, y_j) like mno. With the
  // coordinates swapped, every layer that reads them takes them swapped: the encoder's and the
  // propagator's inputs (columns), the Fourier features' [2, F] projection (rows), and the 2-D
  // rotary embeddings, which turn the first half of each head's q and k by the first coordinate
  // and the second half by the second (rows of to_q and of to_kv's K block, per head).
  if (marching) {
    const auto o = read_oformer_options(model_node);
    const auto mixer = model_node.child("mixer");
    const auto heads = [&](int64_t fallback) { return mixer.has("heads") ? mixer.require<int64_t>("heads") : fallback; };
    NameTable swapped = {
        {R"(embed\.weight)", "encoder.to_embedding.0.weight", swap_position_columns(-2)},
        {R"(fourier\.B)", "decoder.coordinate_projection.0._B", {}, swap_position_columns(0)},
        {R"(propagator\.0\.weight)", "decoder.propagator.0.1.0.weight", swap_position_columns(-2)},
    };
    if (type == "rotary_galerkin") {
      const int64_t h = heads(o.encoder_heads);
      swapped.push_back({R"(encoder_mixers\.(\d+)\.to_q\.weight)", attention + "to_qkv.weight#0/3", {}, swap_rotary_halves(h)});
      swapped.push_back(
          {R"(encoder_mixers\.(\d+)\.to_kv\.weight)", attention + "to_qkv.weight#1-2/3", {}, swap_rotary_halves(h, 2)});
    }
    if (type != "mamba") {  // the decoder's cross attention is rotary with either attention
      const int64_t h = heads(o.decoder_heads);
      swapped.push_back({R"(cross_mixer\.to_q\.weight)", cross + "to_q.weight", {}, swap_rotary_halves(h)});
      if (type == "softmax")  // K apart
        swapped.push_back({R"(cross_mixer\.to_k\.weight)", cross + "to_k.weight", {}, swap_rotary_halves(h)});
      else  // [K; V] in one
        swapped.push_back({R"(cross_mixer\.to_kv\.weight)", cross + "to_kv.weight", {}, swap_rotary_halves(h, 2)});
    }
    table.insert(table.begin(), swapped.begin(), swapped.end());
  }
  // Our encoder_norms 2i and 2i+1 are layer i's two LayerNorms.
  for (size_t i = 0; i < depth; ++i) {
    const auto theirs = fmt::format("encoder.s_transformer.layers.{}.", i);
    const auto norm_rule = [](size_t k) { return fmt::format(R"(encoder_norms\.{}\.(weight|bias))", k); };
    table.push_back({norm_rule(2 * i), theirs + (pre_norm ? "0.norm.$1" : "0.$1")});
    table.push_back({norm_rule(2 * i + 1), theirs + (pre_norm ? "1.norm.$1" : "2.$1")});
  }
  return table;
}

// The authors' RotaryEmbedding(dim) keeps inv_freq = 1 / 10000^(arange(0, dim, 2) / dim) as a buffer,
// dim = d_h / 2 (one rotary per coordinate): every rotary_galerkin layer of the encoder
// (layers.i.1) and the decoder's cross attention (rotary_galerkin or softmax) has one. Computed
// as their code does, in float32 (a / b, 10000 ** t, then 1 / that, which torch evaluates as
// reciprocal(t) * 1), so that the exported values are theirs bit for bit.
std::vector<std::pair<std::string, torch::Tensor>> oformer_authors_derived(const ConfigNode& model_node,
                                                                           torch::Dtype dtype) {
  const auto o = read_oformer_options(model_node);
  const auto type = mixer_type(model_node, "mixer");
  auto inv_freq = [dtype](const ConfigNode& mixer, int64_t d_model) {
    const int64_t heads = mixer.get<int64_t>("heads", 1);
    int64_t head_dim = mixer.get<int64_t>("head_dim", 0);
    if (head_dim == 0) head_dim = d_model / std::max<int64_t>(heads, 1);
    const int64_t dim = head_dim / 2;
    const auto exponent = torch::arange(0, dim, 2, dtype) / dim;
    return torch::pow(10000, exponent).reciprocal();
  };
  std::vector<std::pair<std::string, torch::Tensor>> buffers;
  if (type == "rotary_galerkin")
    for (int64_t i = 0; i < o.depth(); ++i) {
      const auto mixer = host_mixer_config(
          model_node, "mixer",
          oformer_defaults(o.encoder_width, o.encoder_heads, o.encoder_head_dim, o.rotary_scales[i], false));
      buffers.emplace_back(fmt::format("encoder.s_transformer.layers.{}.1.emb_module.inv_freq", i),
                           inv_freq(mixer, o.encoder_width));
    }
  if (type == "rotary_galerkin" || type == "softmax") {
    const auto mixer = host_mixer_config(
        model_node, "mixer",
        oformer_defaults(o.decoder_width, o.decoder_heads, o.decoder_head_dim, o.decoder_rotary_scale, true));
    buffers.emplace_back("decoder.decoding_transformer.cross_attn_module.emb_module.inv_freq",
                         inv_freq(mixer, o.decoder_width));
  }
  return buffers;
}

}  // namespace mno::models
