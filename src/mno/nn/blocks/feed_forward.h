#pragma once
// Position-wise feed-forward networks and Gaussian Fourier features shared by the hosts:
//   relu / gelu: Linear(d→h) – act – Linear(h→d)        (GT uses ReLU; GNOT GELU)
//   geglu:       Linear(d→2h); GELU(first half) ⊙ second half; Linear(h→d)   (OFormer)
#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace mno::nn {

enum class FeedForwardKind { relu, gelu, geglu };
// "relu" | "gelu" | "geglu"; anything else is an error naming `where`.
FeedForwardKind feed_forward_kind(const std::string& name, const std::string& where);

class FeedForwardImpl : public torch::nn::Module {
 public:
  FeedForwardImpl(int64_t dim, int64_t hidden, FeedForwardKind kind, double dropout = 0.0);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  FeedForwardKind kind_;
  torch::nn::Linear in_{nullptr}, out_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(FeedForward);

// x [.., in] -> [sin(2π·x·B), cos(2π·x·B)] [.., 2m] with a fixed B ~ N(0, 1)·scale of shape
// [in, m], kept as a frozen parameter as OFormer does (it is saved, never trained).
class GaussianFourierFeaturesImpl : public torch::nn::Module {
 public:
  GaussianFourierFeaturesImpl(int64_t in, int64_t m, double scale);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor B;

 private:
  int64_t in_;
};
TORCH_MODULE(GaussianFourierFeatures);

}  // namespace mno::nn
