#pragma once
// How a host builds its token mixers from its `mixer` config node. A host knows how the authors
// configured each attention type inside it (heads, head size, per-layer rotary scales, ...;
// docs/models.md, "How a host fills in its mixers"), so it fills those keys in as defaults
// *under* the user's: the config names only the type (`mixer: {type: softmax}`), and swapping attention for Mamba stays one line.
// Keys the user sets win; unknown keys are still errors.
#include <map>
#include <string>

#include <yaml-cpp/yaml.h>

#include "mno/core/config.h"
#include "mno/nn/mixer.h"

namespace mno::models {

// Mixer type -> default keys, e.g. {"softmax", YAML::Load("{heads: 4, qk_norm: true}")}.
using MixerDefaults = std::map<std::string, YAML::Node>;

// The mixer's config node, model.`key`, with `defaults` for its type filled in under the user's keys.
ConfigNode host_mixer_config(const ConfigNode& model, const std::string& key, const MixerDefaults& defaults);

// Builds the mixer described by model.`key` with `defaults` for its type filled in.
nn::TokenMixer make_host_mixer(const ConfigNode& model, const std::string& key, const MixerDefaults& defaults,
                               int64_t d_model, nn::MixerRole role);

// The mixer type named at model.`key`.type.
std::string mixer_type(const ConfigNode& model, const std::string& key);

// One line per module for summaries: "  name: describe()".
std::string summary_line(const std::string& name, const std::string& text);

}  // namespace mno::models
