// The mixer registry (DESIGN.md §2). Built-in types are registered on first use, from the list in
// register_builtin_mixers(); a new mixer family adds one line there.
#include <map>
#include <mutex>

#include "mno/core/error.h"
#include "mno/nn/mamba_block.h"
#include "mno/nn/mixer.h"
#include "mno/nn/selective_scan_2d.h"

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

void register_builtin_mixers() {
  register_mixer("mamba", s6_factory<SelectiveScan2dImpl>(2), s6_factory<CrossSelectiveScan2dImpl>(2));
  register_mixer("mamba4", s6_factory<SelectiveScan2dImpl>(4), s6_factory<CrossSelectiveScan2dImpl>(4));
  register_mixer(
      "mamba_block",
      [](const ConfigNode& node, int64_t d_model) -> TokenMixer {
        return std::make_shared<MambaBlockImpl>(MambaBlockOptions::from_config(node, d_model));
      },
      nullptr);
}

void ensure_builtins() {
  static std::once_flag once;
  std::call_once(once, register_builtin_mixers);
}

std::string known_types() {
  std::string s;
  for (const auto& [name, entry] : table()) s += (s.empty() ? "" : ", ") + name;
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
    throw Error(fmt::format("{}: mixer type '{}' at '{}' has no cross form; cross mixers: use one of the types that have "
                            "one (e.g. mamba, mamba4)", node.source(), type, node.path_of("type")));
  TokenMixer mixer = factory(node, d_model);
  node.reject_unknown_keys();
  return mixer;
}

int64_t count_parameters(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters())
    if (p.requires_grad()) n += p.numel();
  return n;
}

}  // namespace mno::nn
