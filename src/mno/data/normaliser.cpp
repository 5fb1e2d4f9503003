#include "mno/data/normaliser.h"

#include <filesystem>

#include <torch/torch.h>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/core/zip_integrity.h"

namespace mno::data {

Normaliser Normaliser::fit(Kind kind, const torch::Tensor& samples, double eps) {
  check(samples.defined() && samples.dim() >= 1 && samples.size(0) >= 1, "normaliser: expected samples [N, ...], found {}",
        samples.defined() ? fmt::format("{} dims", samples.dim()) : "an undefined tensor");
  check(kind == Kind::scalar_gaussian || samples.size(0) >= 2 || kind == Kind::range,
        "normaliser: a per-point Gaussian needs at least 2 samples, found {}", samples.size(0));
  const torch::Tensor x = samples.to(torch::kFloat64);
  Normaliser n;
  n.kind_ = kind;
  switch (kind) {
    case Kind::per_point_gaussian:
      n.shift_ = x.mean(0);
      n.scale_ = x.std(0, /*unbiased=*/false) + eps;
      break;
    case Kind::scalar_gaussian:
      n.shift_ = x.mean();
      n.scale_ = x.std(/*unbiased=*/false) + eps;
      break;
    case Kind::range: {
      const torch::Tensor lo = std::get<0>(x.min(0)), hi = std::get<0>(x.max(0));
      n.shift_ = 0.5 * (lo + hi);
      n.scale_ = 0.5 * (hi - lo) + eps;
      break;
    }
  }
  return n;
}

const torch::Tensor& Normaliser::shift_on(const torch::Device& device) const {
  if (device == shift_.device()) return shift_;
  if (!device_shift_.defined() || device_shift_.device() != device) device_shift_ = shift_.to(device);
  return device_shift_;
}

const torch::Tensor& Normaliser::scale_on(const torch::Device& device) const {
  if (device == scale_.device()) return scale_;
  if (!device_scale_.defined() || device_scale_.device() != device) device_scale_ = scale_.to(device);
  return device_scale_;
}

torch::Tensor Normaliser::encode(const torch::Tensor& x) const {
  check(shift_.defined(), "normaliser: used before fit or load");
  return ((x.to(torch::kFloat64) - shift_on(x.device())) / scale_on(x.device())).to(x.scalar_type());
}

torch::Tensor Normaliser::decode(const torch::Tensor& x) const {
  check(shift_.defined(), "normaliser: used before fit or load");
  return (x.to(torch::kFloat64) * scale_on(x.device()) + shift_on(x.device())).to(x.scalar_type());
}

void Normaliser::save(const std::string& path) const {
  check(shift_.defined(), "{}: cannot save a normaliser that was never fitted", path);
  write_atomically(path, [&](const std::string& tmp) {
    torch::serialize::OutputArchive archive;
    archive.write("kind", torch::tensor(static_cast<int64_t>(kind_)));
    archive.write("shift", shift_);
    archive.write("scale", scale_);
    archive.save_to(tmp);
  });
}

Normaliser Normaliser::load(const std::string& path) {
  check(std::filesystem::exists(path), "{}: no such normaliser file", path);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error&) {
    throw Error(fmt::format("{}: not a saved normaliser", path));
  }
  verify_zip_crcs(path);  // LibTorch's reader does not check them
  torch::Tensor kind;
  Normaliser n;
  try {
    archive.read("kind", kind);
    archive.read("shift", n.shift_);
    archive.read("scale", n.scale_);
  } catch (const c10::Error&) {
    throw Error(fmt::format("{}: normaliser file lacks kind/shift/scale", path));
  }
  const int64_t k = kind.item<int64_t>();
  check(k >= 0 && k <= 2, "{}: unknown normaliser kind {}", path, k);
  n.kind_ = static_cast<Kind>(k);
  return n;
}

}  // namespace mno::data
