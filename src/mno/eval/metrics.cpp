#include "mno/eval/metrics.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "mno/core/error.h"
#include "mno/eval/metric_sinks.h"

namespace mno::eval {
namespace {

std::string shape_of(const torch::Tensor& x) { return fmt::format("[{}]", fmt::join(x.sizes(), ", ")); }

void check_field(const char* name, const torch::Tensor& x) {
  check(x.defined(), "{}: expected a tensor [B, H, W, T, C], found an undefined tensor", name);
  if (x.dim() != 5)
    throw mismatch_error(name, "a tensor [B, H, W, T, C] (rank 5)",
                         fmt::format("rank {} {}", x.dim(), shape_of(x)));
  if (!x.is_floating_point())
    throw mismatch_error(name, "a floating-point tensor", fmt::format("dtype {}", c10::toString(x.scalar_type())));
  if (x.numel() == 0) throw mismatch_error(name, "no empty dimension", shape_of(x));
  const auto bad = (~torch::isfinite(x)).sum().item<int64_t>();
  if (bad != 0) throw mismatch_error(name, "finite values", fmt::format("{} NaN or infinite entries", bad));
}

}  // namespace

std::string to_string(MetricMode mode) { return mode == MetricMode::paper ? "paper" : "standard"; }

MetricMode parse_metric_mode(const std::string& name) {
  if (name == "standard") return MetricMode::standard;
  if (name == "paper") return MetricMode::paper;
  throw mismatch_error("metric mode", "standard or paper", fmt::format("'{}'", name));
}

MetricAccumulator::MetricAccumulator(MetricMode mode, MetricOptions options) : mode_(mode), options_(options) {
  if (options.boundary_width < 1) throw mismatch_error("metric options: boundary_width", "at least 1", "0");
  if (options.fourier_low > options.fourier_high)
    throw mismatch_error("metric options: fourier_low", fmt::format("at most fourier_high = {}", options.fourier_high),
                         std::to_string(options.fourier_low));
  if (!(options.domain_x > 0 && options.domain_y > 0))
    throw mismatch_error("metric options: domain_x, domain_y", "positive lengths",
                         fmt::format("{}, {}", options.domain_x, options.domain_y));
}

MetricAccumulator::MetricAccumulator(MetricAccumulator&&) noexcept = default;
MetricAccumulator& MetricAccumulator::operator=(MetricAccumulator&&) noexcept = default;
MetricAccumulator::~MetricAccumulator() = default;

void MetricAccumulator::add(const torch::Tensor& prediction, const torch::Tensor& truth) {
  check_field("prediction", prediction);
  check_field("truth", truth);
  if (truth.sizes() != prediction.sizes())
    throw mismatch_error("truth", fmt::format("the shape of prediction {}", shape_of(prediction)), shape_of(truth));
  if (prediction.device() != truth.device())
    throw mismatch_error("truth", fmt::format("device {} like prediction", prediction.device().str()),
                         truth.device().str());
  const auto frame = prediction.sizes().slice(1).vec();  // H, W, T, C
  if (!sink_) {
    const auto h = frame[0], w = frame[1], t = frame[2], c = frame[3];
    if (options_.given_frames >= static_cast<size_t>(t))
      throw mismatch_error("metric options: given_frames", fmt::format("fewer than the T = {} frames", t),
                           std::to_string(options_.given_frames));
    if (mode_ == MetricMode::standard) {
      if (!options_.scattered && 2 * options_.boundary_width > static_cast<size_t>(std::min(h, w)))
        throw mismatch_error("metric options: boundary_width",
                             fmt::format("at most half the {}x{} grid ({})", h, w, std::min(h, w) / 2),
                             std::to_string(options_.boundary_width));
      sink_ = detail::make_standard_sink(options_, h, w, t, c);
    } else {
      sink_ = detail::make_paper_sink(t);
    }
    frame_shape_ = frame;
  } else if (frame != frame_shape_) {
    throw mismatch_error("prediction", fmt::format("[*, {}] (the H, W, T, C of earlier batches)", fmt::join(frame_shape_, ", ")),
                         shape_of(prediction));
  }
  torch::NoGradGuard no_grad;
  sink_->add(prediction.detach().to(torch::kDouble), truth.detach().to(torch::kDouble));
  samples_ += static_cast<size_t>(prediction.size(0));
  batches_ += 1;
}

void MetricAccumulator::require_data(const char* what) const {
  check(sink_ != nullptr, "metrics: {} asked for before any batch was added", what);
}

Metrics MetricAccumulator::result() const {
  require_data("result");
  return sink_->result();
}

std::vector<Metrics> MetricAccumulator::along_time() const {
  require_data("along_time");
  return sink_->along_time();
}

std::vector<Metrics> MetricAccumulator::along_time_std() const {
  require_data("along_time_std");
  return sink_->along_time_std();
}

std::vector<std::pair<std::string, double>> named_values(const Metrics& m) {
  return {{"rmse", m.rmse},           {"nrmse", m.nrmse},         {"rl2", m.rl2},
          {"crmse", m.crmse},         {"brmse", m.brmse},         {"frmse_low", m.frmse_low},
          {"frmse_mid", m.frmse_mid}, {"frmse_high", m.frmse_high}, {"max_error", m.max_error}};
}

nlohmann::json to_json(const Metrics& m) {
  auto out = nlohmann::json::object();
  for (const auto& [name, value] : named_values(m)) out[name] = std::isfinite(value) ? nlohmann::json(value) : nlohmann::json();
  return out;
}

}  // namespace mno::eval
