// The authors' Galerkin Transformer's parameter names (docs/models.md, "Parity with the authors' code").
#include <optional>

#include "mno/core/error.h"
#include "mno/models/host_mixer.h"
#include "mno/parity/authors_names.h"

namespace mno::parity {

using models::mixer_type;

// The authors' FourierTransformerNew (MambaGalerkinTransformer/libs/model_mamba.py): input Linear
// in `downscaler.id`, layers in `encoder_layers.i` (mixer `attn`, FFN `ff.lr1/lr2`), and the
// SpectralRegressor in `regressor` (`fc`, `spectral_conv.j` with `linear` and `fourier_weight.0/1`,
// then `regressor.0/2`). Their attention keeps one LayerNorm per head (`norm_K.h`, `norm_V.h`,
// `norm_Q.h`); ours keeps the heads stacked. Their SS2D names are ours.
NameTable gt_authors_names(const ConfigNode& model_node) {
  // The authors' Galerkin Transformer attends with galerkin, fourier or softmax attention, and
  // the MNO paper's variants with SS2D (mamba, mamba4); other mixers (s4d, ...) are mno's own.
  const std::string type = model_node.has("mixer") ? mixer_type(model_node, "mixer") : "galerkin";
  if (type != "galerkin" && type != "fourier" && type != "softmax" && type != "mamba" && type != "mamba4")
    throw Error(fmt::format("model.mixer.type '{}': the MNO authors' Galerkin Transformer has no such mixer "
                            "(galerkin, fourier, softmax, mamba or mamba4)",
                            type));
  // The two position columns of the layers that read positions come swapped: the authors' loaders
  // give (y_j, x_i) where mno gives (x_i, y_j) (swap_position_columns in authors_names.h).
  NameTable table = {
      {R"(embed\.weight)", "downscaler.id.weight", swap_position_columns(-2)},  // [features, pos]
      {R"(regressor_in\.weight)", "regressor.fc.weight", swap_position_columns(-2)},  // [x, pos]
      {R"(embed\.(weight|bias))", "downscaler.id.$1"},
      {R"(ffns\.(\d+)\.fc1\.(weight|bias))", "encoder_layers.$1.ff.lr1.$2"},
      {R"(ffns\.(\d+)\.fc2\.(weight|bias))", "encoder_layers.$1.ff.lr2.$2"},
      {R"(regressor_in\.(weight|bias))", "regressor.fc.$1"},
      {R"(spectral_layers\.(\d+)\.residual\.(weight|bias))", "regressor.spectral_conv.$1.linear.$2"},
      {R"(spectral_layers\.(\d+)\.spectral\.weight_low)", "regressor.spectral_conv.$1.fourier_weight.0"},
      {R"(spectral_layers\.(\d+)\.spectral\.weight_high)", "regressor.spectral_conv.$1.fourier_weight.1"},
      {R"(regressor_out\.(0|2)\.(weight|bias))", "regressor.regressor.$1.$2"},
      {R"(mixers\.(\d+)\.to_q\.(weight|bias))", "encoder_layers.$1.attn.linears.0.$2"},
      {R"(mixers\.(\d+)\.to_k\.(weight|bias))", "encoder_layers.$1.attn.linears.1.$2"},
      {R"(mixers\.(\d+)\.to_v\.(weight|bias))", "encoder_layers.$1.attn.linears.2.$2"},
      {R"(mixers\.(\d+)\.to_out\.(weight|bias))", "encoder_layers.$1.attn.fc.$2"},
  };
  // Per-head norms: galerkin normalises K and V (our norm_a, norm_b), fourier Q and K, softmax Q and K.
  // Asked, not defaulted: a default would be recorded in the run's config under a mixer that has
  // no heads (Mamba), which that mixer's reader then rejects.
  const auto mixer = model_node.has("mixer") ? std::optional<ConfigNode>(model_node.child("mixer")) : std::nullopt;
  const int64_t heads = mixer && mixer->has("heads") ? mixer->require<int64_t>("heads") : 4;
  auto per_head = [heads](const std::string& theirs) {
    std::string joined;
    for (int64_t h = 0; h < heads; ++h) joined += fmt::format("{}encoder_layers.$1.attn.{}.{}.$2", h ? "|" : "", theirs, h);
    return joined;
  };
  // Attention with positions concatenated in front of every head (pos_dim 2, GT's default for its
  // three attentions): the output projection reads each head's two position features first.
  const bool attention = type == "galerkin" || type == "fourier" || type == "softmax";
  if (attention && (mixer && mixer->has("pos_dim") ? mixer->require<int64_t>("pos_dim") : 2) == 2)
    table.insert(table.begin(), {R"(mixers\.(\d+)\.to_out\.weight)", "encoder_layers.$1.attn.fc.weight",
                                 swap_position_columns_per_head(heads)});
  const bool fourier = model_node.has("mixer") && mixer_type(model_node, "mixer") == "fourier";
  table.push_back({R"(mixers\.(\d+)\.norm_a\.(weight|bias))", per_head(fourier ? "norm_Q" : "norm_K")});
  table.push_back({R"(mixers\.(\d+)\.norm_b\.(weight|bias))", per_head(fourier ? "norm_K" : "norm_V")});
  table.push_back({R"(mixers\.(\d+)\.norm_q\.(weight|bias))", per_head("norm_Q")});
  table.push_back({R"(mixers\.(\d+)\.norm_k\.(weight|bias))", per_head("norm_K")});
  table.push_back({R"(mixers\.(\d+)\.(.+))", "encoder_layers.$1.attn.$2"});  // SS2D: the same names
  return table;
}

}  // namespace mno::parity
