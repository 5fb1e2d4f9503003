#pragma once
// Normalisers fitted on training data (docs/data.md, "Layouts"), invertible and saved with a run:
//  - per-point Gaussian: mean and std over the sample axis at every grid point and channel
//    (OFormer Darcy);
//  - scalar Gaussian: one mean and std over everything (OFormer SW/DR);
//  - range: per-point min and max mapped to [−1, 1].
// encode(x) = (x − shift) / scale; decode inverts it exactly up to rounding.
#include <string>

#include <torch/types.h>

namespace mno::data {

class Normaliser {
 public:
  enum class Kind { per_point_gaussian, scalar_gaussian, range };

  Normaliser() = default;
  // Fits on samples [N, ...]; eps keeps the scale away from 0 (OFormer uses 1e-5).
  static Normaliser fit(Kind kind, const torch::Tensor& samples, double eps = 1e-5);

  Kind kind() const { return kind_; }
  // per_point_gaussian and range hold statistics for every grid point: they fit one grid only.
  bool per_point() const { return kind_ != Kind::scalar_gaussian; }
  torch::IntArrayRef statistics_shape() const { return shift_.sizes(); }
  torch::Tensor encode(const torch::Tensor& x) const;
  torch::Tensor decode(const torch::Tensor& x) const;

  void save(const std::string& path) const;  // atomically
  static Normaliser load(const std::string& path);

 private:
  Kind kind_ = Kind::scalar_gaussian;
  torch::Tensor shift_, scale_;  // broadcast against one sample
  // shift_ and scale_ on the device last encoded/decoded on, copied once: a copy per batch
  // would make the host wait for the GPU at every training step.
  mutable torch::Tensor device_shift_, device_scale_;
  const torch::Tensor& shift_on(const torch::Device& device) const;
  const torch::Tensor& scale_on(const torch::Device& device) const;
};

}  // namespace mno::data
