#include "mno/run/saved_run.h"

#include <filesystem>

#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/run/device.h"

namespace mno::run {

void check_run_data_file(const std::string& run_dir, const data::DataConfig& data) {
  if (std::filesystem::exists(data.file)) return;
  std::string why;
  if (std::filesystem::path(data.file).is_relative())
    why = " (a relative data.file, of a run made before runs stored it absolute, is looked for from the current "
          "directory)";
  else if (!data.file_as_typed.empty() && data.file_as_typed != data.file)
    why = fmt::format(" (typed as '{}' where the run was made)", data.file_as_typed);
  throw Error(fmt::format("{}: the run's data file '{}' does not exist{}; give it with --data FILE (mno eval) or "
                          "data.file=FILE (mno train --resume)",
                          run_dir, data.file, why));
}

SavedRun load_saved_run(const std::string& run_dir, const std::string& checkpoint, const std::string& data_file,
                        const std::string& device, int64_t stride, data::DataUse use) {
  const RunPaths paths = open_run_dir(run_dir);
  Experiment run = Experiment::read_saved(paths);
  const std::string chosen = checkpoint.empty() ? run.train.report_checkpoint : checkpoint;
  SavedRun r{paths, std::move(run), chosen, nullptr, nullptr, {}};
  check(r.checkpoint == "last" || r.checkpoint == "best", "checkpoint: expected last or best, found '{}'", r.checkpoint);
  if (r.checkpoint == "best" && !std::filesystem::exists(r.paths.checkpoint("best"))) {
    log::warn("{}: no best checkpoint (no evaluation has finished yet); using the last one", run_dir);
    r.checkpoint = "last";
  }
  open_run_dir(run_dir, r.checkpoint);
  r.model = models::make_model(r.run.model_spec());
  r.model->to(resolve_device(device.empty() ? "auto" : device, "--device"));
  check(stride >= 0, "--stride: expected a positive stride (0: the run's data.stride), found {}", stride);
  const size_t trained_side = r.run.data.resolution;
  if (!data_file.empty() || stride > 0) r.run.data.resolution = 0;  // zero-shot: any grid the model takes
  if (stride > 0) r.run.data.stride = static_cast<size_t>(stride);
  if (data_file.empty()) check_run_data_file(run_dir, r.run.data);
  r.data = std::make_unique<data::TaskData>(r.run.data, r.model->in_channels(), r.model->out_channels(), data_file, use);
  const auto grid = r.data->grid();
  if (trained_side != 0 && (grid.height != static_cast<int64_t>(trained_side) || grid.width != static_cast<int64_t>(trained_side)))
    log::info("{}: zero-shot at another resolution: trained at {}x{}, evaluated at {}x{}", run_dir, trained_side,
              trained_side, grid.height, grid.width);
  r.data->load_normalisers(r.paths.normalisers());
  r.state = train::load_checkpoint(r.paths.checkpoint(r.checkpoint), *r.model, nullptr).state;
  return r;
}

}  // namespace mno::run
