#include "mno/workflows/predict.h"

#include <filesystem>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/core/output_policy.h"
#include "mno/core/progress.h"
#include "mno/core/stop_signal.h"
#include "mno/data/pdebench_reader.h"
#include "mno/data/pdebench_writer.h"
#include "mno/data/task.h"
#include "mno/eval/evaluate.h"
#include "mno/run/saved_run.h"

// The run directory and its Experiment (run/): this room's floor below.
using namespace mno::run;

namespace mno::workflows {
namespace {

// Times of the frames written: the file's own where it has them; past its last frame (a file of
// the given frames alone) continued at the spacing of its given frames.
std::vector<float> frame_times(const data::PdebenchReader& reader, size_t frames) {
  std::vector<float> t = reader.t().values;
  if (t.size() >= frames) return std::vector<float>(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(frames));
  check(t.size() >= 2, "{}: holds {} frame and the model predicts {} more; the times of the predicted frames "
        "cannot be told from a single frame time: give at least 2 frames", reader.path(), t.size(), frames - t.size());
  const size_t given = t.size();
  const double dt = (static_cast<double>(t.back()) - t.front()) / static_cast<double>(given - 1);
  for (size_t f = given; f < frames; ++f) t.push_back(static_cast<float>(t.back() + dt));
  log::info("{}: holds {} of the {} frames written; the times of the others continue at its spacing {:g}",
            reader.path(), given, frames, dt);
  return t;
}

}  // namespace

void predict_file(const std::string& run_dir, const std::string& input, const std::string& out,
                  const std::string& checkpoint, bool progress, bool overwrite) {
  // Before any work (core/output_policy.h): a file, not the input nor anything of the run.
  const RunPaths run_files{run_dir};
  check_output({out, OutputKind::file, "--out", overwrite,
                {{"--input", input},
                 {"the run's config", run_files.config()},
                 {"the run's checkpoints", run_files.checkpoints()},
                 {"the run's normalisers", run_files.normalisers()}}});
  // Inputs alone: every sample of the file, whatever their number, targets neither needed nor read.
  SavedRun r = load_saved_run(run_dir, checkpoint, input, "", 0, data::DataUse::inputs_only);
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
  spec.frames = d.field_frames();
  if (info.point_cloud) {  // the prediction sits at the input's points
    spec.points = info.per_sample_positions ? data::LayoutSpec::Points::per_sample : data::LayoutSpec::Points::shared;
    if (!info.per_sample_positions) spec.positions = reader.read_positions(0, 1).values;
  } else {
    spec.x = reader.x(stride).values;
    spec.y = reader.y(stride).values;
  }
  if (d.time_dependent()) spec.t = frame_times(reader, spec.frames);
  spec.beta = info.beta;
  const size_t batch_size = static_cast<size_t>(r.run.train.eval_batch_size);
  r.model->eval();
  torch::NoGradGuard no_grad;
  const StopOnSignal stop_on_signal;  // Ctrl-C: stop at the next batch, the temporary file removed
  write_atomically(out, [&](const std::string& tmp) {
    data::PdebenchWriter writer(tmp, spec);
    std::unique_ptr<Progress> bar;
    if (progress) bar = std::make_unique<Progress>("predict", static_cast<int64_t>((info.samples + batch_size - 1) / batch_size));
    size_t next = 0;
    for (size_t begin = 0; begin < info.samples; begin += batch_size) {
      throw_if_stop_requested(out);
      std::vector<size_t> indices;
      for (size_t i = begin; i < std::min(info.samples, begin + batch_size); ++i) indices.push_back(i);
      const torch::Tensor x = data::read_inputs(reader, indices, d.task());
      const torch::Tensor pos = data::read_sample_positions(reader, indices);  // undefined unless per sample
      const torch::Tensor pred = d.decode_output(eval::forward_batch(*r.model, d, x, pos).to(torch::kCPU, torch::kFloat32));
      const torch::Tensor fields = d.fields(x, pred).contiguous();  // [B, H, W, T, C]
      for (int64_t b = 0; b < fields.size(0); ++b, ++next) {
        if (!d.time_dependent()) {
          const torch::Tensor a = x[b].select(2, 0).contiguous(), u = fields[b].reshape({-1}).contiguous();
          writer.write_darcy(next, std::vector<float>(a.data_ptr<float>(), a.data_ptr<float>() + a.numel()),
                             std::vector<float>(u.data_ptr<float>(), u.data_ptr<float>() + u.numel()));
          if (pos.defined()) {
            const torch::Tensor p = pos[b].contiguous();
            writer.write_positions(next, std::vector<float>(p.data_ptr<float>(), p.data_ptr<float>() + p.numel()));
          }
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
  log::info("predictions for all {} samples of {} written to {}", info.samples, input, out);
}

}  // namespace mno::workflows
