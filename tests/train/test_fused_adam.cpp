// The fused Adam(W) step against torch::optim's per-tensor step: the same parameters and state after
// several steps with changing lr, on the CPU and (on the GPU machine) on CUDA; a parameter without
// a gradient is left alone; and where no fused kernel exists the reason is named.
#include <gtest/gtest.h>

#include "mno/core/torch_compat.h"
#include "mno/train/fused_adam.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

struct Net : torch::nn::Module {
  Net() {
    a = register_module("a", torch::nn::Linear(5, 7));
    b = register_module("b", torch::nn::Linear(7, 3));
    unused = register_module("unused", torch::nn::Linear(2, 2));  // never gets a gradient
  }
  torch::Tensor forward(const torch::Tensor& x) { return b->forward(torch::tanh(a->forward(x))); }
  torch::nn::Linear a{nullptr}, b{nullptr}, unused{nullptr};
};

template <typename Fused, typename Plain, typename Options>
void expect_same_steps(const torch::Device& device, const Options& options) {
  torch::manual_seed(5);
  auto fused_net = std::make_shared<Net>(), plain_net = std::make_shared<Net>();
  {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < plain_net->parameters().size(); ++i) plain_net->parameters()[i].copy_(fused_net->parameters()[i]);
  }
  fused_net->to(device);
  plain_net->to(device);
  Fused fused({torch::optim::OptimizerParamGroup(fused_net->parameters())}, options);
  Plain plain({torch::optim::OptimizerParamGroup(plain_net->parameters())}, options);
  for (int step = 0; step < 4; ++step) {
    const auto x = torch::randn({6, 5}).to(device), y = torch::randn({6, 3}).to(device);
    for (auto* o : {static_cast<torch::optim::Optimizer*>(&fused), static_cast<torch::optim::Optimizer*>(&plain)})
      o->param_groups().front().options().set_lr(1e-2 / (step + 1));  // as a schedule does
    fused.zero_grad();
    plain.zero_grad();
    torch::mse_loss(fused_net->forward(x), y).backward();
    torch::mse_loss(plain_net->forward(x), y).backward();
    fused.step();
    plain.step();
  }
  const auto named_fused = fused_net->named_parameters(), named_plain = plain_net->named_parameters();
  for (const auto& item : named_plain) {
    const auto& got = named_fused[item.key()];
    EXPECT_LT(relative_error(got.cpu(), item.value().cpu()), 2e-6) << item.key() << " on " << device.str();
  }
  // The parameter that never had a gradient: untouched, and no state made for it.
  EXPECT_EQ(fused.state().size(), plain.state().size());
  EXPECT_TRUE(torch::equal(fused_net->unused->weight.cpu(), plain_net->unused->weight.cpu()));
}

void expect_all_variants(const torch::Device& device) {
  expect_same_steps<train::FusedAdamW, torch::optim::AdamW>(
      device, torch::optim::AdamWOptions(1e-2).weight_decay(0.1).betas({0.8, 0.99}).eps(1e-7));
  expect_same_steps<train::FusedAdam, torch::optim::Adam>(
      device, torch::optim::AdamOptions(1e-2).weight_decay(0.05).betas({0.9, 0.999}));
}

TEST(FusedAdam, SameParametersAsPerTensorStepOnCpu) {
  expect_all_variants(torch::kCPU);
  const auto p = torch::zeros({2}, torch::requires_grad());
  const std::string why = train::fused_adam_unavailable({p});
  if (MNO_TORCH_AT_LEAST(2, 4)) EXPECT_EQ(why, "");
  if (!MNO_TORCH_AT_LEAST(2, 1)) EXPECT_NE(why.find("LibTorch " + compat::torch_version()), std::string::npos) << why;
}

TEST(FusedAdamCuda, SameParametersAsPerTensorStepOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto p = torch::zeros({2}, torch::TensorOptions().device(torch::kCUDA).requires_grad(true));
  if (MNO_TORCH_AT_LEAST(2, 1)) EXPECT_EQ(train::fused_adam_unavailable({p}), "");  // the fused kernel runs
  expect_all_variants(torch::kCUDA);
}

}  // namespace
}  // namespace mno::testing
