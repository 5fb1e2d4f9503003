// The authors' OFormer's parameter names (docs/models.md, "Parity with the authors' code").
#include <algorithm>

#include "mno/core/error.h"
#include "mno/models/host_mixer.h"
#include "mno/models/oformer_options.h"
#include "mno/parity/authors_names.h"

namespace mno::parity {

using models::host_mixer_config;
using models::mixer_type;
using models::oformer_defaults;
using models::OformerOptions;
using models::read_oformer_options;

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

}  // namespace mno::parity
