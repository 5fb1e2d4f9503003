#pragma once
// Error metrics of predicted PDE fields against the truth, accumulated over evaluation batches.
//
// Fields are [B, H, W, T, C] (PDEBench order: batch, x, y, time, channel; T = 1 for steady Darcy).
// The caller passes whole sequences, including the `given_frames` leading input frames (which hold
// pasted ground truth). Two modes, because the paper's numbers are not PDEBench's (docs/metrics.md):
//
// standard — PDEBench's definitions (pdebench/models/metrics.py) over the predicted frames
//   t >= given_frames. d = P − Y; s runs over the H·W grid points; N is the number of samples
//   added so far; "mean_{t,c}" is over predicted frames and channels.
//   rmse       = mean_{t,c} mean_b √(mean_s d²)
//   nrmse      = mean_{t,c} mean_b √(mean_s d²) / √(mean_s Y²)              (no eps, as PDEBench)
//   rl2        = mean_b ‖d_b‖₂ / (‖Y_b‖₂ + 1e-20), norms over the sample's predicted entries
//   crmse      = mean_{t,c} √(mean_b (Σ_s d)²) / (H·W)        (error of the conserved spatial sum)
//   brmse      = mean_{t,c} mean_b √(Σ_boundary d² / (2w(H+W)))  (w = boundary_width; the strips
//                of w rows at top and bottom and w columns left and right; corners count twice)
//   frmse_band = mean_{t,c} mean_{k in band} √(mean_b E_b(k)) / (H·W) · Lx·Ly, where
//                E_b(k) = Σ |FFT2(d_b)(i,j)|² over 0 <= i < H/2, 0 <= j < W/2 with
//                ⌊√(i²+j²)⌋ = k < min(H/2, W/2); bands are k in [0, fourier_low),
//                [fourier_low, fourier_high), [fourier_high, min(H/2, W/2)); an empty band is NaN
//   max_error  = mean_{t,c} max_{b,s} |d|
//   mean_b is over all N samples, never per batch, so the numbers do not depend on the batching:
//   the per-sample quantities are summed, crmse/frmse keep the sum of squares over samples
//   (PDEBench's root-mean over the batch, taken over the whole set) and max_error the running max.
//
// paper — the authors' utils_pack/util_metrics.py (docs/metrics.md, "Paper mode"): metrics per batch, then
//   the plain mean over batches (a short last batch weighs as much as a full one), over all T
//   frames including the given ones. The authors' tensors are (B, S, C) for steady data and
//   (B, S, T, C) otherwise (S = H·W); their metric_func treats a 3-D tensor as if its S axis were
//   channels and C were time, with a spatial axis of size 1:
//   T = 1 (3-D branch): rmse = mean |d|, nrmse = mean |d| / (|Y| + 1e-9),
//                       crmse = mean_{s,c} √(mean_b d²) (no division), max_error = mean_{s,c} max_b |d|
//   T > 1 (4-D branch): rmse = mean_{t,c} mean_b √(mean_s d²),
//                       nrmse = mean_{t,c} mean_b √(mean_s d²) / (√(mean_s Y²) + 1e-9),
//                       crmse = mean_{t,c} √(mean_b (Σ_s d)²) / S, max_error = mean_{t,c} max_{b,s} |d|
//   rl2 = mean_b ‖d_b‖₂ / ‖Y_b‖₂ over all the sample's entries (no eps).
//   brmse and frmse_* are not computed by the authors: NaN.
//   The given frames count with their (zero) error, so for T = 101 with 10 given frames rmse and
//   nrmse are 91/101 of their average over the predicted frames.
//
// along_time(): one Metrics per frame t = 0..T−1 (given frames included, so a caller can see that
// they are exact). standard: the definitions above restricted to frame t, over all samples.
// paper: the 3-D branch on each frame slice (B, S, C), per batch, mean over batches (the authors'
// eval_2d_time); along_time_std() is the population std (numpy's np.std, ddof 0) over batches.
// In standard mode along_time_std() is the population std over samples of the per-sample
// quantities (rmse, nrmse, rl2, brmse) and NaN for the set-level ones (crmse, frmse, max_error).
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace mno::eval {

enum class MetricMode { standard, paper };

// "standard" / "paper"; parse_metric_mode throws mno::Error naming the accepted values.
std::string to_string(MetricMode mode);
MetricMode parse_metric_mode(const std::string& name);

struct MetricOptions {
  size_t given_frames = 0;     // leading input frames (10 for SW2D/DR2D, 0 for Darcy)
  size_t boundary_width = 1;   // PDEBench: one grid line on each side
  size_t fourier_low = 4;      // PDEBench iLow: shells [0, 4) are "low"
  size_t fourier_high = 12;    // PDEBench iHigh: shells [4, 12) are "mid", [12, min(H,W)/2) "high"
  double domain_x = 1.0;       // PDEBench's Lx, Ly: fRMSE is scaled by Lx·Ly
  double domain_y = 1.0;
  // Scattered points (a point cloud read as an N × 1 grid): no boundary strips and no 2-D Fourier
  // modes, so brmse and frmse_* are NaN; the other metrics run over the points.
  bool scattered = false;
};

// NaN where the mode does not define a metric (or, in along_time_std, no spread is defined).
struct Metrics {
  double rmse = NAN, nrmse = NAN, rl2 = NAN, crmse = NAN, brmse = NAN;
  double frmse_low = NAN, frmse_mid = NAN, frmse_high = NAN, max_error = NAN;
};

namespace detail {
// One mode's running sums; inputs are validated double tensors [B, H, W, T, C].
class MetricSink {
 public:
  virtual ~MetricSink() = default;
  virtual void add(const torch::Tensor& prediction, const torch::Tensor& truth) = 0;
  virtual Metrics result() const = 0;
  virtual std::vector<Metrics> along_time() const = 0;
  virtual std::vector<Metrics> along_time_std() const = 0;
};
}  // namespace detail

class MetricAccumulator {
 public:
  MetricAccumulator(MetricMode mode, MetricOptions options);
  MetricAccumulator(MetricAccumulator&&) noexcept;
  MetricAccumulator& operator=(MetricAccumulator&&) noexcept;
  ~MetricAccumulator();

  // One evaluation batch. Both tensors [B, H, W, T, C], the same shape, finite; every batch has
  // the H, W, T, C of the first. Throws mno::Error naming the tensor, expected and found.
  void add(const torch::Tensor& prediction, const torch::Tensor& truth);

  Metrics result() const;                        // over everything added; throws if nothing was
  std::vector<Metrics> along_time() const;       // mean, one per frame 0..T−1
  std::vector<Metrics> along_time_std() const;   // spread of along_time (see the top of this file)
  size_t samples() const { return samples_; }
  size_t batches() const { return batches_; }
  MetricMode mode() const { return mode_; }
  const MetricOptions& options() const { return options_; }

 private:
  void require_data(const char* what) const;

  MetricMode mode_;
  MetricOptions options_;
  std::unique_ptr<detail::MetricSink> sink_;
  std::vector<int64_t> frame_shape_;  // H, W, T, C of the first batch
  size_t samples_ = 0, batches_ = 0;
};

// Stable order: rmse, nrmse, rl2, crmse, brmse, frmse_low, frmse_mid, frmse_high, max_error.
std::vector<std::pair<std::string, double>> named_values(const Metrics& metrics);

// {"rmse": …, …} with the names of named_values; NaN and ±inf become null (JSON has neither).
nlohmann::json to_json(const Metrics& metrics);

}  // namespace mno::eval
