#pragma once
// Token mixers and their registry (docs/architecture.md): the only way models get their attention or S6
// layers. A mixer maps x[B, L, D] (with an optional context[B, L, D] for cross mixers and optional
// positions pos[B, L, 2]) to [B, L, D]. Models build mixers from a config node
// {type: mamba|mamba4|mamba_block|..., <type's keys>} so that swapping attention for Mamba is one
// line of config.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "mno/core/config.h"
#include "mno/nn/ssm_probe.h"
#include "mno/nn/token_grid.h"

namespace mno::nn {

class TokenMixerImpl : public torch::nn::Module {
 public:
  // context: required by cross mixers, rejected by self mixers. pos: used by mixers that need
  // positions (rotary / Galerkin attention); S6 mixers ignore it.
  virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {},
                                const torch::Tensor& pos = {}, const TokenGrid& grid = {}) = 0;
  // "mamba (self, d_model 96, d_state 16, K 2)" — for summaries.
  virtual std::string describe() const = 0;
  // What the mixer says of itself, so that hosts and commands never compare type names or cast:
  // whether a host that can either way should normalise the mixer's input (pre-norm) rather than
  // the residual stream (OFormer's layers: pre-norm for softmax attention, as its authors have it) ...
  virtual bool prefers_pre_norm() const { return false; }
  // ... and, when it is a state-space model, how to look at its response (nullptr otherwise).
  virtual SsmProbe* ssm_probe() { return nullptr; }
};
using TokenMixer = std::shared_ptr<TokenMixerImpl>;

enum class MixerRole { self, cross };

// Builds a mixer from a config node. Unknown types and unknown keys are errors naming the
// config path; a type without a cross form asked for as a cross mixer is an error too.
TokenMixer make_mixer(const ConfigNode& node, int64_t d_model, MixerRole role);

using MixerFactory = std::function<TokenMixer(const ConfigNode& node, int64_t d_model)>;

// Adds a mixer type (self factory required, cross optional). Re-registering a type is an error.
void register_mixer(const std::string& type, MixerFactory self, MixerFactory cross);

// Every registered type, sorted.
std::vector<std::string> mixer_types();

}  // namespace mno::nn
