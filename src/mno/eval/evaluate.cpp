#include "mno/eval/evaluate.h"

#include <chrono>

#include "mno/core/progress.h"

namespace mno::eval {
namespace {

torch::Device device_of(const torch::nn::Module& m) {
  const auto params = m.parameters();
  return params.empty() ? torch::Device(torch::kCPU) : params.front().device();
}

MetricOptions metric_options(const data::TaskData& data) {
  MetricOptions o;
  o.given_frames = data.given_frames();
  o.scattered = data.grid().scattered;
  return o;
}

}  // namespace

torch::Tensor forward_batch(models::NeuralOperatorImpl& model, const data::TaskData& data, const torch::Tensor& x,
                            const torch::Tensor& batch_pos) {
  const torch::Device device = device_of(model);
  const torch::Tensor features = data.features(x).to(device);
  const torch::Tensor pos = data.positions_of(x, batch_pos, device);
  const data::Grid2d g = data.grid();
  return model.forward(features, pos, models::TokenGrid{g.height, g.width, g.scattered});
}

Evaluation evaluate(models::NeuralOperatorImpl& model, const data::TaskData& data, data::BatchLoader& loader,
                    const EvalOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  Evaluation e{MetricAccumulator(MetricMode::standard, metric_options(data)),
               MetricAccumulator(MetricMode::paper, metric_options(data)), 0, 0.0, {}, {}, {}};
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  std::unique_ptr<Progress> progress;
  if (options.progress) progress = std::make_unique<Progress>("evaluate", static_cast<int64_t>(loader.batches_per_epoch()));
  std::vector<torch::Tensor> kept_x, kept_y, kept_p, kept_pos;
  size_t kept = 0;
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    const torch::Tensor out = forward_batch(model, data, batch->x, batch->pos).to(torch::kCPU, torch::kFloat32);
    const torch::Tensor truth = data.fields(batch->x, batch->y);
    const torch::Tensor prediction = data.fields(batch->x, data.decode_output(out));
    e.standard.add(prediction, truth);
    e.paper.add(prediction, truth);
    e.samples += static_cast<size_t>(truth.size(0));
    if (kept < options.keep_samples) {
      const int64_t take = std::min<int64_t>(truth.size(0), static_cast<int64_t>(options.keep_samples - kept));
      kept_x.push_back(batch->x.narrow(0, 0, take));
      kept_y.push_back(truth.narrow(0, 0, take));
      kept_p.push_back(prediction.narrow(0, 0, take));
      if (data.grid().scattered) kept_pos.push_back(data.positions_of(batch->x, batch->pos, torch::kCPU).narrow(0, 0, take));
      kept += static_cast<size_t>(take);
    }
    if (progress) progress->advance();
  }
  if (progress) progress->finish();
  if (kept > 0) {
    e.inputs = torch::cat(kept_x);
    e.truth = torch::cat(kept_y);
    e.prediction = torch::cat(kept_p);
    if (!kept_pos.empty()) e.positions = torch::cat(kept_pos);
  }
  if (was_training) model.train();
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return e;
}

}  // namespace mno::eval
