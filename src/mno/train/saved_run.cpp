#include "mno/train/saved_run.h"

#include <filesystem>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/core/progress.h"
#include "mno/data/pdebench_reader.h"
#include "mno/data/pdebench_writer.h"

namespace mno::train {

SavedRun load_saved_run(const std::string& run_dir, const std::string& checkpoint, const std::string& data_file,
                        const std::string& device) {
  SavedRun r;
  r.paths = open_run_dir(run_dir);
  const Config config = Config::load_file(r.paths.config());
  r.run = read_run_config(config, std::filesystem::path(run_dir).filename().string());
  r.checkpoint = checkpoint.empty() ? r.run.train.report_checkpoint : checkpoint;
  check(r.checkpoint == "last" || r.checkpoint == "best", "checkpoint: expected last or best, found '{}'", r.checkpoint);
  if (r.checkpoint == "best" && !std::filesystem::exists(r.paths.checkpoint("best"))) {
    log::warn("{}: no best checkpoint (no evaluation has finished yet); using the last one", run_dir);
    r.checkpoint = "last";
  }
  open_run_dir(run_dir, r.checkpoint);
  std::string where = device.empty() ? r.run.train.device : device;
  if (where == "auto") where = torch::cuda::is_available() ? "cuda" : "cpu";
  if (where == "cuda" && !torch::cuda::is_available()) {
    check(device.empty(), "--device cuda: no CUDA device is available to this build");
    log::warn("{} was trained on cuda; no CUDA device here, evaluating on the CPU", run_dir);
    where = "cpu";
  }
  r.model = models::make_model(config.root().child("model"));
  r.model->to(torch::Device(where == "cuda" ? torch::kCUDA : torch::kCPU));
  r.data = std::make_unique<data::TaskData>(r.run.data, r.model->in_channels(), r.model->out_channels(), data_file);
  r.data->load_normalisers(r.paths.normalisers());
  r.state = load_checkpoint(r.paths.checkpoint(r.checkpoint), *r.model, nullptr).state;
  return r;
}

RunEvaluation evaluate_run(const std::string& run_dir, const std::string& checkpoint, const std::string& data_file,
                           bool progress) {
  SavedRun r = load_saved_run(run_dir, checkpoint, data_file);
  const auto loader = r.data->test_loader(static_cast<size_t>(r.run.train.eval_batch_size));
  eval::EvalOptions o;
  o.keep_samples = static_cast<size_t>(r.run.train.plot_samples);
  o.progress = progress;
  RunEvaluation out{eval::evaluate(*r.model, *r.data, *loader, o), {}};
  out.parameters = nn::count_parameters(*r.model).trainable;
  out.train_seconds = r.state.seconds;
  eval::ReportInputs in;
  in.run_dir = r.paths.dir;
  in.title = r.run.name;
  in.model_line = fmt::format("Model: `{}` with {} trainable parameters, checkpoint `{}` (epoch {}, step {}).",
                              r.model->name(), out.parameters, r.checkpoint, r.state.epoch, r.state.step);
  in.data_line = "Data: " + r.data->describe() + ".";
  in.log_csv = r.state.log_csv;
  in.train_seconds = r.state.seconds;
  in.parameters = out.parameters;
  out.files = eval::write_report(in, out.evaluation);
  return out;
}

void predict_file(const std::string& run_dir, const std::string& input, const std::string& out,
                  const std::string& checkpoint, bool progress) {
  check(!out.empty() && std::filesystem::absolute(out) != std::filesystem::absolute(input),
        "--out: expected a new file, not the input '{}'", input);
  SavedRun r = load_saved_run(run_dir, checkpoint, input);
  const data::TaskData& d = *r.data;
  const data::PdebenchInfo& info = d.info();
  const data::PdebenchReader reader(input);
  const data::Grid2d g = d.grid();
  const size_t stride = d.task().stride;
  data::LayoutSpec spec;
  spec.pde = info.pde;
  spec.samples = info.samples;
  spec.nx = static_cast<size_t>(g.height);
  spec.ny = static_cast<size_t>(g.width);
  spec.frames = info.frames;
  spec.x = reader.x(stride).values;
  spec.y = reader.y(stride).values;
  if (d.time_dependent()) spec.t = reader.t().values;
  spec.beta = info.beta;
  const auto loader = d.loader({0, info.samples}, static_cast<size_t>(r.run.train.eval_batch_size));
  r.model->eval();
  torch::NoGradGuard no_grad;
  write_atomically(out, [&](const std::string& tmp) {
    data::PdebenchWriter writer(tmp, spec);
    std::unique_ptr<Progress> bar;
    if (progress) bar = std::make_unique<Progress>("predict", static_cast<int64_t>(loader->batches_per_epoch()));
    size_t next = 0;
    loader->start_epoch(0);
    while (auto batch = loader->next()) {
      const torch::Tensor pred = d.decode_output(eval::forward_batch(*r.model, d, batch->x).to(torch::kCPU, torch::kFloat32));
      const torch::Tensor fields = d.fields(batch->x, pred).contiguous();  // [B, H, W, T, C]
      for (int64_t b = 0; b < fields.size(0); ++b, ++next) {
        if (!d.time_dependent()) {
          const torch::Tensor a = batch->x[b].select(2, 0).contiguous(), u = fields[b].reshape({-1}).contiguous();
          writer.write_darcy(next, std::vector<float>(a.data_ptr<float>(), a.data_ptr<float>() + a.numel()),
                             std::vector<float>(u.data_ptr<float>(), u.data_ptr<float>() + u.numel()));
        } else {
          const torch::Tensor f = fields[b].permute({2, 0, 1, 3}).contiguous();  // [T, H, W, C]
          data::FloatArray frames({static_cast<size_t>(f.size(0)), static_cast<size_t>(f.size(1)),
                                   static_cast<size_t>(f.size(2)), static_cast<size_t>(f.size(3))});
          std::copy(f.data_ptr<float>(), f.data_ptr<float>() + f.numel(), frames.values.begin());
          writer.write_frames(next, frames, fmt::format("predicted_by: {}\ncheckpoint: {}\n", run_dir, r.checkpoint));
        }
      }
      if (bar) bar->advance();
    }
  });
  log::info("predictions for {} samples of {} written to {}", info.samples, input, out);
}

}  // namespace mno::train
