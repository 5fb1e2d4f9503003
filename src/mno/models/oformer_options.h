#pragma once
// OFormer's options (docs/models.md, `oformer`): the authors' settings of each variant, what a
// `model:` node sets over them, and the mixer defaults the host fills in. Shared by the model and
// by its name table (parity/names/oformer.cpp), which must know the same layer counts and heads.
#include <cstdint>
#include <string>
#include <vector>

#include "mno/core/config.h"
#include "mno/models/host_mixer.h"

namespace mno::models {

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

// The config's options over the variant's defaults (everything but the channel counts).
OformerOptions read_oformer_options(const ConfigNode& node);

// Host defaults for one mixer: heads, head size and rotary scale as the authors set them; the
// output projection is dropped only where one head already spans d_model (OFormer's rule).
MixerDefaults oformer_defaults(int64_t width, int64_t heads, int64_t head_dim, double rotary, bool cross);

}  // namespace mno::models
