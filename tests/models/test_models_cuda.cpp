// Every model config runs on CUDA (docs/gpu.md, "GPU tests"): the same model and inputs give the same output and
// the same gradient for every parameter on the GPU as on the CPU. Skipped, with a message, where
// there is no GPU or no CUDA build.
#include <algorithm>
#include <cmath>

#include <ATen/Context.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "models/model_configs.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

struct Pass {
  torch::Tensor y;
  std::vector<torch::Tensor> grads;
};

Pass forward_backward(const models::NeuralOperator& model, const Inputs& in, const torch::Device& device) {
  model->to(device);
  model->eval();  // no dropout (OFormer softmax has some): the same function on both devices
  model->zero_grad();
  const auto y = model->forward(in.features.to(device), in.pos.to(device), {kSide, kSide});
  y.square().mean().backward();
  Pass p{y.detach().cpu(), {}};
  for (const auto& param : model->parameters())
    if (param.requires_grad()) p.grads.push_back(param.grad().defined() ? param.grad().cpu() : torch::Tensor());
  return p;
}

class ModelsOnCuda : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelsOnCuda, ForwardAndEveryGradientMatchTheCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs a CUDA device (none visible, or a CPU-only LibTorch): runs on the GPU machine";
  const auto& config = GetParam();
  const auto model = build_small_model(config);
  const auto in = make_inputs(*model, 2, 3);
  const auto cpu = forward_backward(model, in, torch::kCPU);
  // TF32 off on both libraries for the comparison: cuDNN allows it by default for convolutions,
  // and its ~1e-3 relative rounding sat at the tolerance (FNO's parameter 9: 1.002e-3 on an H200).
  auto& context = at::globalContext();
  const bool cudnn_tf32 = context.allowTF32CuDNN(), cublas_tf32 = context.allowTF32CuBLAS();
  context.setAllowTF32CuDNN(false);
  context.setAllowTF32CuBLAS(false);
  const auto gpu = forward_backward(model, in, torch::kCUDA);
  context.setAllowTF32CuDNN(cudnn_tf32);
  context.setAllowTF32CuBLAS(cublas_tf32);
  // 1e-3: other summation orders than the CPU's (cuBLAS, cuDNN and cuFFT algorithms).
  EXPECT_LT(relative_error(gpu.y, cpu.y), 1e-3) << config << ": output";
  ASSERT_EQ(gpu.grads.size(), cpu.grads.size());
  // A gradient that is zero in exact arithmetic (softmax attention's key bias: a shift of every
  // logit of a row) is rounding noise on both devices: measure errors against a floor of 1e-4 of
  // the whole gradient's norm instead of that parameter's own. This floor is coarser than the
  // parity test's (parity/parity_check.h: each gradient to its own norm, in float64) because this
  // comparison is fp32 on both devices: the CUDA selective scan takes fp32/bf16/fp16 only, and fp32
  // rounding, ~1e-7 of the largest gradient, is as large as the whole of the SSM's Δ and A
  // gradients. So this test pins the device's agreement with the CPU path; whether the SSM's
  // small gradients are right is the float64 parity test's job, and the scan's own CUDA tests
  // (tests/ops/test_scan_cuda.cpp) check every scan gradient against a float64 reference.
  double total = 0;
  for (const auto& g : cpu.grads)
    if (g.defined()) total += g.to(torch::kDouble).square().sum().item<double>();
  const double floor = 1e-4 * std::sqrt(total);
  for (size_t i = 0; i < cpu.grads.size(); ++i) {
    ASSERT_EQ(gpu.grads[i].defined(), cpu.grads[i].defined()) << config << ": parameter " << i;
    if (!cpu.grads[i].defined()) continue;
    const double diff = (gpu.grads[i].to(torch::kDouble) - cpu.grads[i].to(torch::kDouble)).norm().item<double>();
    EXPECT_LT(diff / std::max(cpu.grads[i].to(torch::kDouble).norm().item<double>(), floor), 1e-3)
        << config << ": parameter " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, ModelsOnCuda, ::testing::ValuesIn(all_model_configs()), [](const auto& info) {
  std::string name = info.param;
  for (auto& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
});

}  // namespace
}  // namespace mno::testing
