// PDEBench's metrics (pdebench/models/metrics.py, metric_func), restated over all samples so that
// the batching does not change the numbers. Formulas: metrics.h.
#include <cmath>

#include "mno/eval/metric_sinks.h"

namespace mno::eval::detail {
namespace {

// Rows of the per-frame, per-sample table whose spread over samples along_time_std reports.
enum FrameRow : int64_t { kRmse, kNrmse, kRl2, kBrmse, kFrameRows };

class StandardSink final : public MetricSink {
 public:
  StandardSink(const MetricOptions& options, int64_t height, int64_t width, int64_t frames, int64_t channels)
      : o_(options), h_(height), w_(width), t_(frames), shells_(options.scattered ? 0 : std::min(height / 2, width / 2)) {
    const auto f64 = torch::TensorOptions().dtype(torch::kDouble);
    frame_sum_ = torch::zeros({kFrameRows, t_}, f64);
    frame_sum_sq_ = torch::zeros({kFrameRows, t_}, f64);
    conserved_sq_ = torch::zeros({t_, channels}, f64);
    max_ = torch::zeros({t_, channels}, f64);
    fourier_sq_ = torch::zeros({shells_, t_, channels}, f64);
    shell_of_mode_ = make_shells();
  }

  void add(const torch::Tensor& p, const torch::Tensor& y) override {
    const auto d = p - y;  // [B, H, W, T, C]
    const auto d2 = d.square();
    const auto rmse = d2.mean({1, 2}).sqrt();                      // [B, T, C]
    const auto nrmse = rmse / y.square().mean({1, 2}).sqrt();      // PDEBench: no eps
    const auto rl2 = d2.sum({1, 2, 4}).sqrt() / (y.square().sum({1, 2, 4}).sqrt() + kRl2Eps);  // [B, T]
    const auto per_frame = torch::stack({rmse.mean(-1), nrmse.mean(-1), rl2, boundary_rmse(d2).mean(-1)}, 1).cpu();
    frame_sum_ += per_frame.sum(0);
    frame_sum_sq_ += per_frame.square().sum(0);

    const auto g = static_cast<int64_t>(o_.given_frames);
    const auto dp = d2.narrow(3, g, t_ - g).sum({1, 2, 3, 4}).sqrt();
    const auto yp = y.narrow(3, g, t_ - g).square().sum({1, 2, 3, 4}).sqrt();
    rl2_sum_ += (dp / (yp + kRl2Eps)).sum().item<double>();

    conserved_sq_ += d.sum({1, 2}).square().sum(0).cpu();
    max_ = torch::maximum(max_, d.abs().amax({0, 1, 2}).cpu());
    add_fourier(d);
    n_ += static_cast<double>(p.size(0));
  }

  Metrics result() const override { return over_frames(static_cast<int64_t>(o_.given_frames), t_, rl2_sum_ / n_); }

  std::vector<Metrics> along_time() const override {
    std::vector<Metrics> out;
    for (int64_t t = 0; t < t_; ++t) out.push_back(over_frames(t, t + 1, frame_sum_[kRl2][t].item<double>() / n_));
    return out;
  }

  std::vector<Metrics> along_time_std() const override {
    const auto sd = population_std(frame_sum_, frame_sum_sq_, n_);
    std::vector<Metrics> out(static_cast<size_t>(t_));
    for (int64_t t = 0; t < t_; ++t) {
      auto& m = out[static_cast<size_t>(t)];
      m.rmse = sd[kRmse][t].item<double>();
      m.nrmse = sd[kNrmse][t].item<double>();
      m.rl2 = sd[kRl2][t].item<double>();
      m.brmse = sd[kBrmse][t].item<double>();
    }
    return out;
  }

 private:
  static constexpr double kRl2Eps = 1e-20;  // PDEBench's LpLoss eps

  // √(mean over the boundary strips of d²) per (b, t, c); PDEBench's 2-D err_BD for width 1.
  torch::Tensor boundary_rmse(const torch::Tensor& d2) const {
    if (o_.scattered) return torch::full({d2.size(0), t_, d2.size(4)}, NAN, d2.options());
    const auto w = static_cast<int64_t>(o_.boundary_width);
    const auto rows = d2.narrow(1, 0, w).sum({1, 2}) + d2.narrow(1, h_ - w, w).sum({1, 2});
    const auto cols = d2.narrow(2, 0, w).sum({1, 2}) + d2.narrow(2, w_ - w, w).sum({1, 2});
    return ((rows + cols) / static_cast<double>(2 * w * (h_ + w_))).sqrt();
  }

  // Shell index ⌊√(i²+j²)⌋ of each mode (i, j) of the quadrant [0, H/2) × [0, W/2), or −1 where it
  // is not below min(H/2, W/2). PDEBench bins only this quadrant: negative and Nyquist frequencies
  // are left out, and it floors rather than rounds.
  torch::Tensor make_shells() const {
    const int64_t hq = h_ / 2, wq = w_ / 2;
    auto shells = torch::full({hq * wq}, -1, torch::kLong);
    auto acc = shells.accessor<int64_t, 1>();
    for (int64_t i = 0; i < hq; ++i)
      for (int64_t j = 0; j < wq; ++j) {
        const auto k = static_cast<int64_t>(std::floor(std::sqrt(static_cast<double>(i * i + j * j))));
        if (k < shells_) acc[i * wq + j] = k;
      }
    return shells;
  }

  void add_fourier(const torch::Tensor& d) {
    if (shells_ == 0) return;
    const int64_t hq = h_ / 2, wq = w_ / 2;
    const auto energy = torch::fft::fft2(d, c10::nullopt, {1, 2}).abs().square();  // |FFT2(P) − FFT2(Y)|²
    const auto quadrant = energy.narrow(1, 0, hq).narrow(2, 0, wq).sum(0).reshape({hq * wq, t_, -1}).cpu();
    const auto kept = (shell_of_mode_ >= 0).nonzero().squeeze(1);
    fourier_sq_.index_add_(0, shell_of_mode_.index_select(0, kept), quadrant.index_select(0, kept));
  }

  // mean over shells [lo, hi) of √(mean_b E_b(k)) / (H·W) · Lx·Ly, per (t, c); NaN for an empty band.
  torch::Tensor fourier_band(const torch::Tensor& rms, size_t lo, size_t hi) const {
    const auto a = std::min<int64_t>(static_cast<int64_t>(lo), shells_);
    const auto b = std::min<int64_t>(static_cast<int64_t>(hi), shells_);
    if (b <= a) return torch::full({t_, rms.size(2)}, NAN, torch::kDouble);
    return rms.narrow(0, a, b - a).mean(0);
  }

  Metrics over_frames(int64_t t0, int64_t t1, double rl2) const {
    const auto frames = [&](const torch::Tensor& x) { return x.narrow(0, t0, t1 - t0).mean().item<double>(); };
    Metrics m;
    m.rmse = frames(frame_sum_[kRmse]) / n_;
    m.nrmse = frames(frame_sum_[kNrmse]) / n_;
    m.rl2 = rl2;
    m.brmse = frames(frame_sum_[kBrmse]) / n_;
    m.crmse = frames((conserved_sq_ / n_).sqrt()) / static_cast<double>(h_ * w_);
    m.max_error = frames(max_);
    const auto rms = (fourier_sq_ / n_).sqrt() * (o_.domain_x * o_.domain_y / static_cast<double>(h_ * w_));
    const auto band_mean = [&](size_t lo, size_t hi) {
      return fourier_band(rms, lo, hi).narrow(0, t0, t1 - t0).mean().item<double>();
    };
    m.frmse_low = band_mean(0, o_.fourier_low);
    m.frmse_mid = band_mean(o_.fourier_low, o_.fourier_high);
    m.frmse_high = band_mean(o_.fourier_high, static_cast<size_t>(shells_));
    return m;
  }

  MetricOptions o_;
  int64_t h_, w_, t_, shells_;
  double n_ = 0, rl2_sum_ = 0;
  torch::Tensor frame_sum_, frame_sum_sq_;  // [kFrameRows, T]: Σ_b and Σ_b (·)² of per-sample values
  torch::Tensor conserved_sq_;              // [T, C]: Σ_b (Σ_s d)²
  torch::Tensor max_;                       // [T, C]: max_{b,s} |d|
  torch::Tensor fourier_sq_;                // [K, T, C]: Σ_b E_b(k)
  torch::Tensor shell_of_mode_;
};

}  // namespace

std::unique_ptr<MetricSink> make_standard_sink(const MetricOptions& options, int64_t height, int64_t width,
                                               int64_t frames, int64_t channels) {
  return std::make_unique<StandardSink>(options, height, width, frames, channels);
}

torch::Tensor population_std(const torch::Tensor& sum, const torch::Tensor& sum_sq, double n) {
  const auto mean = sum / n;
  return (sum_sq / n - mean.square()).clamp_min(0).sqrt();
}

}  // namespace mno::eval::detail
