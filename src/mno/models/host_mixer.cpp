#include "mno/models/host_mixer.h"

#include <fmt/format.h>

namespace mno::models {

ConfigNode host_mixer_config(const ConfigNode& model, const std::string& key, const MixerDefaults& defaults) {
  const ConfigNode given = model.child(key);
  YAML::Node merged = YAML::Clone(given.yaml());
  const auto type = given.require<std::string>("type");
  if (const auto it = defaults.find(type); it != defaults.end())
    for (const auto& kv : it->second) {
      const auto name = kv.first.as<std::string>();
      if (!merged[name].IsDefined()) merged[name] = YAML::Clone(kv.second);
    }
  return ConfigNode(merged, model.path_of(key), model.source());
}

nn::TokenMixer make_host_mixer(const ConfigNode& model, const std::string& key, const MixerDefaults& defaults,
                               int64_t d_model, nn::MixerRole role) {
  return nn::make_mixer(host_mixer_config(model, key, defaults), d_model, role);
}

std::string mixer_type(const ConfigNode& model, const std::string& key) {
  return model.child(key).require<std::string>("type");
}

std::string summary_line(const std::string& name, const std::string& text) {
  return fmt::format("  {}: {}\n", name, text);
}

}  // namespace mno::models
