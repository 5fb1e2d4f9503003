// The authors' metrics (utils_pack/util_metrics.py: metric_func, LpLoss.rel, eval_2d_time), batch
// by batch, averaged over batches. Formulas and quirks: metrics.h, docs/metrics.md.
#include "mno/eval/metric_sinks.h"

namespace mno::eval::detail {
namespace {

enum Row : int64_t { kRmse, kNrmse, kRl2, kCrmse, kMax, kRows };

// LpLoss.rel: mean over samples of ‖d_b‖₂ / ‖Y_b‖₂ over all the sample's entries, no eps.
torch::Tensor relative_l2(const torch::Tensor& d, const torch::Tensor& y) {
  const auto b = d.size(0);
  return (d.reshape({b, -1}).norm(2, 1) / y.reshape({b, -1}).norm(2, 1)).mean();
}

// metric_func on a 3-D tensor (B, S, C): it is read as (batch, channel = S, time = C) with a
// spatial axis of size 1, so "RMSE" is the mean absolute error, "nRMSE" the mean point-wise
// relative error, CSV the root-mean over the batch of d (no grid-size division: metric_func has no
// 3-D branch for it) and Max the batch maximum of |d|, each averaged over (s, c).
torch::Tensor three_d_branch(const torch::Tensor& d, const torch::Tensor& y) {
  const auto ad = d.abs();
  return torch::stack({ad.mean(), (ad / (y.abs() + 1e-9)).mean(), relative_l2(d, y), d.square().mean(0).sqrt().mean(),
                       ad.amax(0).mean()});
}

// metric_func on a 4-D tensor (B, S, T, C), permuted to (B, C, S, T): PDEBench's RMSE with an eps.
torch::Tensor four_d_branch(const torch::Tensor& d, const torch::Tensor& y) {
  const auto err = d.square().mean(1).sqrt();   // [B, T, C]
  const auto norm = y.square().mean(1).sqrt();
  const auto points = static_cast<double>(d.size(1));
  return torch::stack({err.mean(), (err / (norm + 1e-9)).mean(), relative_l2(d, y),
                       (d.sum(1).square().mean(0).sqrt() / points).mean(), d.abs().amax({0, 1}).mean()});
}

Metrics to_metrics(const torch::Tensor& row) {
  Metrics m;
  m.rmse = row[kRmse].item<double>();
  m.nrmse = row[kNrmse].item<double>();
  m.rl2 = row[kRl2].item<double>();
  m.crmse = row[kCrmse].item<double>();
  m.max_error = row[kMax].item<double>();
  return m;
}

class PaperSink final : public MetricSink {
 public:
  explicit PaperSink(int64_t frames)
      : t_(frames),
        sum_(torch::zeros({kRows}, torch::kDouble)),
        frame_sum_(torch::zeros({frames, kRows}, torch::kDouble)),
        frame_sum_sq_(torch::zeros({frames, kRows}, torch::kDouble)) {}

  void add(const torch::Tensor& p, const torch::Tensor& y) override {
    const auto b = p.size(0), c = p.size(4);
    // The authors' layout: (B, S, T, C), or (B, S, C) for steady data.
    const auto d = (p - y).reshape({b, -1, t_, c});
    const auto yf = y.reshape({b, -1, t_, c});
    sum_ += (t_ == 1 ? three_d_branch(d.select(2, 0), yf.select(2, 0)) : four_d_branch(d, yf)).cpu();
    std::vector<torch::Tensor> frames;
    for (int64_t t = 0; t < t_; ++t) frames.push_back(three_d_branch(d.select(2, t), yf.select(2, t)));
    const auto per_frame = torch::stack(frames).cpu();  // [T, kRows]
    frame_sum_ += per_frame;
    frame_sum_sq_ += per_frame.square();
    batches_ += 1;
  }

  Metrics result() const override { return to_metrics(sum_ / batches_); }

  std::vector<Metrics> along_time() const override { return per_frame(frame_sum_ / batches_); }

  std::vector<Metrics> along_time_std() const override {
    return per_frame(population_std(frame_sum_, frame_sum_sq_, batches_));
  }

 private:
  std::vector<Metrics> per_frame(const torch::Tensor& table) const {
    std::vector<Metrics> out;
    for (int64_t t = 0; t < t_; ++t) out.push_back(to_metrics(table[t]));
    return out;
  }

  int64_t t_;
  double batches_ = 0;
  torch::Tensor sum_;                       // [kRows]: Σ over batches of the batch metrics
  torch::Tensor frame_sum_, frame_sum_sq_;  // [T, kRows]: the same per frame, and of squares
};

}  // namespace

std::unique_ptr<MetricSink> make_paper_sink(int64_t frames) { return std::make_unique<PaperSink>(frames); }

}  // namespace mno::eval::detail
