// The fused Adam(W) step against torch::optim's per-tensor step and against the update written out
// plainly (so that where the fused step falls back to the per-tensor one — the CPU before
// LibTorch 2.1, i.e. CI — the test still compares it with something that is not itself): the same
// parameters after several steps with changing lr, on the CPU and (on the GPU machine) on CUDA; a
// parameter without a gradient is left alone; and where no fused kernel exists the reason is named.
#include <cmath>
#include <type_traits>
#include <vector>

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

// Adam's update as PyTorch documents it, in double precision: L2 decay added to the gradient
// (Adam) or the weights shrunk by lr * decay first (AdamW); bias-corrected moments.
struct PlainAdam {
  bool decoupled;
  double beta1, beta2, eps, weight_decay;
  std::vector<torch::Tensor> params, m, v;
  int64_t t = 0;

  void step(double lr) {
    ++t;
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params.size(); ++i) {
      auto& p = params[i];
      if (!p.grad().defined()) continue;
      auto w = p.to(torch::kFloat64), g = p.grad().to(torch::kFloat64);
      if (decoupled)
        w = w * (1 - lr * weight_decay);
      else
        g = g + weight_decay * w;
      if (!m[i].defined()) m[i] = torch::zeros_like(w), v[i] = torch::zeros_like(w);
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      const double bias1 = 1 - std::pow(beta1, t), bias2 = 1 - std::pow(beta2, t);
      w = w - lr / bias1 * m[i] / (v[i].sqrt() / std::sqrt(bias2) + eps);
      p.copy_(w.to(p.dtype()));
    }
  }
};

template <typename Fused, typename Plain, typename Options>
void expect_same_steps(const torch::Device& device, const Options& options) {
  torch::manual_seed(5);
  auto fused_net = std::make_shared<Net>(), plain_net = std::make_shared<Net>(), formula_net = std::make_shared<Net>();
  {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < plain_net->parameters().size(); ++i) {
      plain_net->parameters()[i].copy_(fused_net->parameters()[i]);
      formula_net->parameters()[i].copy_(fused_net->parameters()[i]);
    }
  }
  fused_net->to(device);
  plain_net->to(device);
  formula_net->to(device);
  const auto& o = options;
  PlainAdam formula{std::is_same_v<Options, torch::optim::AdamWOptions>, std::get<0>(o.betas()), std::get<1>(o.betas()),
                    o.eps(), o.weight_decay(), formula_net->parameters(), {}, {}};
  formula.m.resize(formula.params.size());
  formula.v.resize(formula.params.size());
  Fused fused({torch::optim::OptimizerParamGroup(fused_net->parameters())}, options);
  Plain plain({torch::optim::OptimizerParamGroup(plain_net->parameters())}, options);
  for (int step = 0; step < 4; ++step) {
    const auto x = torch::randn({6, 5}).to(device), y = torch::randn({6, 3}).to(device);
    for (auto* o : {static_cast<torch::optim::Optimizer*>(&fused), static_cast<torch::optim::Optimizer*>(&plain)})
      o->param_groups().front().options().set_lr(1e-2 / (step + 1));  // as a schedule does
    fused.zero_grad();
    plain.zero_grad();
    formula_net->zero_grad();
    torch::mse_loss(fused_net->forward(x), y).backward();
    torch::mse_loss(plain_net->forward(x), y).backward();
    torch::mse_loss(formula_net->forward(x), y).backward();
    fused.step();
    plain.step();
    formula.step(1e-2 / (step + 1));
  }
  const auto named_fused = fused_net->named_parameters(), named_plain = plain_net->named_parameters();
  for (const auto& item : named_plain) {
    const auto& got = named_fused[item.key()];
    EXPECT_LT(relative_error(got.cpu(), item.value().cpu()), 2e-6) << item.key() << " on " << device.str();
    EXPECT_LT(relative_error(got.cpu(), formula_net->named_parameters()[item.key()].cpu()), 2e-6)
        << item.key() << " against the written-out update on " << device.str();
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

TEST(FusedAdam, SameParametersAsPerTensorStepAndTheFormulaOnCpu) {
  expect_all_variants(torch::kCPU);
  const auto p = torch::zeros({2}, torch::requires_grad());
  const std::string why = train::fused_adam_unavailable({p});
  if (MNO_TORCH_AT_LEAST(2, 4)) EXPECT_EQ(why, "");
  if (!MNO_TORCH_AT_LEAST(2, 1)) EXPECT_NE(why.find("LibTorch " + compat::torch_version()), std::string::npos) << why;
}

TEST(FusedAdamCuda, SameParametersAsPerTensorStepAndTheFormulaOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs a CUDA device (none visible): runs on the GPU machine";
  const auto p = torch::zeros({2}, torch::TensorOptions().device(torch::kCUDA).requires_grad(true));
  if (MNO_TORCH_AT_LEAST(2, 1)) EXPECT_EQ(train::fused_adam_unavailable({p}), "");  // the fused kernel runs
  expect_all_variants(torch::kCUDA);
}

}  // namespace
}  // namespace mno::testing
