#pragma once
// A self-check of the S6 layers a user can run (`mno check layers`, part of `mno demo`): parameter
// counts against the authors' models (docs/layers.md), a forward and backward pass of each
// layer, and the fused scan against the reference on a fresh random problem. It draws under its
// own seed and leaves the caller's random stream where it was.
#include <string>
#include <vector>

namespace mno::nn {

struct LayerCheck {
  std::string what;
  std::string found;
  std::string expected;
  bool ok;
};

std::vector<LayerCheck> check_layers();

// Markdown table of the checks.
std::string layer_checks_markdown(const std::vector<LayerCheck>& checks);

}  // namespace mno::nn
