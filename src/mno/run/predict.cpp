#include "mno/run/predict.h"

#include <filesystem>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/core/output_policy.h"
#include "mno/core/progress.h"
#include "mno/core/stop_signal.h"
#include "mno/data/pdebench_reader.h"
#include "mno/data/pdebench_writer.h"
#include "mno/eval/evaluate.h"
#include "mno/run/saved_run.h"

namespace mno::run {

void predict_file(const std::string& run_dir, const std::string& input, const std::string& out,
                  const std::string& checkpoint, bool progress, bool overwrite) {
  // Before any work (core/output_policy.h): a file, not the input nor anything of the run.
  const RunPaths run_files{run_dir};
  check_output({out, OutputKind::file, "--out", overwrite,
                {{"--input", input},
                 {"the run's config", run_files.config()},
                 {"the run's checkpoints", run_files.checkpoints()},
                 {"the run's normalisers", run_files.normalisers()}}});
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
  const StopOnSignal stop_on_signal;  // Ctrl-C: stop at the next batch, the temporary file removed
  write_atomically(out, [&](const std::string& tmp) {
    data::PdebenchWriter writer(tmp, spec);
    std::unique_ptr<Progress> bar;
    if (progress) bar = std::make_unique<Progress>("predict", static_cast<int64_t>(loader->batches_per_epoch()));
    size_t next = 0;
    loader->start_epoch(0);
    while (auto batch = loader->next()) {
      throw_if_stop_requested(out);
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
    writer.finish();
  });
  log::info("predictions for {} samples of {} written to {}", info.samples, input, out);
}

}  // namespace mno::run
