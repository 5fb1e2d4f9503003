// The mixer registry (docs/architecture.md). Built-in types are registered on first use, from the list in
// register_builtin_mixers(); a new mixer family adds one line there.
#include <map>
#include <mutex>

#include "mno/core/error.h"
#include "mno/nn/attention/galerkin_attention.h"
#include "mno/nn/attention/linear_attention.h"
#include "mno/nn/s6/mamba_block.h"
#include "mno/nn/mixer.h"
#include "mno/nn/attention/rotary_galerkin_attention.h"
#include "mno/nn/s6/selective_scan_2d.h"
#include "mno/nn/attention/softmax_attention.h"
#include "mno/nn/lti/structured_ssm_2d.h"

namespace mno::nn {
namespace {

struct Entry {
  MixerFactory self, cross;
};

std::map<std::string, Entry>& table() {
  static std::map<std::string, Entry> entries;
  return entries;
}

template <typename Module> MixerFactory s6_factory(int64_t directions) {
  return [directions](const ConfigNode& node, int64_t d_model) -> TokenMixer {
    return std::make_shared<Module>(S6MixerOptions::from_config(node, d_model, directions));
  };
}

// A factory for a mixer whose constructor takes (node, d_model, cross).
template <typename Module, bool Cross> MixerFactory attention_factory() {
  return [](const ConfigNode& node, int64_t d_model) -> TokenMixer {
    return std::make_shared<Module>(node, d_model, Cross);
  };
}

// A factory for a mixer built from Options::from_config(node, d_model, cross).
template <typename Module, typename Options, bool Cross> MixerFactory options_factory() {
  return [](const ConfigNode& node, int64_t d_model) -> TokenMixer {
    return std::make_shared<Module>(Options::from_config(node, d_model, Cross));
  };
}

template <typename Module, bool S4d, bool Cross> MixerFactory structured_ssm_factory() {
  return [](const ConfigNode& node, int64_t d_model) -> TokenMixer {
    return std::make_shared<Module>(StructuredSsmOptions::from_config(node, d_model, S4d, Cross));
  };
}

MixerFactory galerkin_factory(GalerkinAttentionOptions::Kind kind) {
  return [kind](const ConfigNode& node, int64_t d_model) -> TokenMixer {
    return std::make_shared<GalerkinAttentionImpl>(GalerkinAttentionOptions::from_config(node, d_model, kind));
  };
}

void register_builtin_mixers() {
  register_mixer("mamba", s6_factory<SelectiveScan2dImpl>(2), s6_factory<CrossSelectiveScan2dImpl>(2));
  register_mixer("mamba4", s6_factory<SelectiveScan2dImpl>(4), s6_factory<CrossSelectiveScan2dImpl>(4));
  register_mixer(
      "mamba_block",
      [](const ConfigNode& node, int64_t d_model) -> TokenMixer {
        return std::make_shared<MambaBlockImpl>(MambaBlockOptions::from_config(node, d_model));
      },
      nullptr);
  register_mixer("s4", structured_ssm_factory<S4MixerImpl, false, false>(), structured_ssm_factory<S4MixerImpl, false, true>());
  register_mixer("s4d", structured_ssm_factory<S4dMixerImpl, true, false>(), structured_ssm_factory<S4dMixerImpl, true, true>());
  register_mixer("galerkin", galerkin_factory(GalerkinAttentionOptions::Kind::galerkin), nullptr);
  register_mixer("fourier", galerkin_factory(GalerkinAttentionOptions::Kind::fourier), nullptr);
  register_mixer("softmax", options_factory<SoftmaxAttentionImpl, SoftmaxAttentionOptions, false>(),
                 options_factory<SoftmaxAttentionImpl, SoftmaxAttentionOptions, true>());
  register_mixer("linear", attention_factory<LinearAttentionImpl, false>(), attention_factory<LinearAttentionImpl, true>());
  register_mixer("rotary_galerkin", options_factory<RotaryGalerkinAttentionImpl, RotaryGalerkinOptions, false>(),
                 options_factory<RotaryGalerkinAttentionImpl, RotaryGalerkinOptions, true>());
}

void ensure_builtins() {
  static std::once_flag once;
  std::call_once(once, register_builtin_mixers);
}

std::string known_types(bool cross_only = false) {
  std::string s;
  for (const auto& [name, entry] : table())
    if (!cross_only || entry.cross) s += (s.empty() ? "" : ", ") + name;
  return s;
}

}  // namespace

void register_mixer(const std::string& type, MixerFactory self, MixerFactory cross) {
  check(static_cast<bool>(self), "register_mixer: mixer type '{}' needs a self factory", type);
  check(!table().count(type), "register_mixer: mixer type '{}' is already registered", type);
  table()[type] = Entry{std::move(self), std::move(cross)};
}

std::vector<std::string> mixer_types() {
  ensure_builtins();
  std::vector<std::string> types;
  for (const auto& [name, entry] : table()) types.push_back(name);
  return types;
}

TokenMixer make_mixer(const ConfigNode& node, int64_t d_model, MixerRole role) {
  ensure_builtins();
  const auto type = node.require<std::string>("type");
  const auto it = table().find(type);
  if (it == table().end())
    throw mismatch_error(fmt::format("{}: key '{}'", node.source(), node.path_of("type")),
                         fmt::format("one of the mixer types {}", known_types()), "'" + type + "'");
  const MixerFactory& factory = role == MixerRole::self ? it->second.self : it->second.cross;
  if (!factory)
    throw Error(fmt::format("{}: mixer type '{}' at '{}' has no cross form; types with one: {}", node.source(), type,
                            node.path_of("type"), known_types(/*cross_only=*/true)));
  TokenMixer mixer = factory(node, d_model);
  node.reject_unknown_keys();
  return mixer;
}

}  // namespace mno::nn
