// The S6 layer self-check (`mno check layers`): it passes, and it leaves the caller's random stream
// where it was (it seeds and builds modules under a scoped seed, not the global one).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "mno/nn/layer_check.h"

namespace {

TEST(LayerCheck, PassesAndLeavesTheGlobalRandomStateUnchanged) {
  torch::manual_seed(123);
  torch::rand({3});  // a state other than a fresh seed's
  const auto before = at::detail::getDefaultCPUGenerator().get_state();
  const auto checks = mno::nn::check_layers();
  EXPECT_TRUE(torch::equal(at::detail::getDefaultCPUGenerator().get_state(), before));
  for (const auto& c : checks) EXPECT_TRUE(c.ok) << c.what << ": found " << c.found << ", expected " << c.expected;
}

}  // namespace
