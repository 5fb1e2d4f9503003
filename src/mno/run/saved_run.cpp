#include "mno/run/saved_run.h"

#include <filesystem>

#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/run/device.h"
#include "mno/train/training_length.h"

namespace mno::run {

train::RunConfig read_saved_run_config(Config& config, const RunPaths& paths) {
  train::drop_saved_default_epochs(config);
  return train::read_run_config(config, paths.name());
}

SavedRun load_saved_run(const std::string& run_dir, const std::string& checkpoint, const std::string& data_file,
                        const std::string& device, int64_t stride) {
  SavedRun r;
  r.paths = open_run_dir(run_dir);
  Config config = Config::load_file(r.paths.config());
  r.run = read_saved_run_config(config, r.paths);
  r.checkpoint = checkpoint.empty() ? r.run.train.report_checkpoint : checkpoint;
  check(r.checkpoint == "last" || r.checkpoint == "best", "checkpoint: expected last or best, found '{}'", r.checkpoint);
  if (r.checkpoint == "best" && !std::filesystem::exists(r.paths.checkpoint("best"))) {
    log::warn("{}: no best checkpoint (no evaluation has finished yet); using the last one", run_dir);
    r.checkpoint = "last";
  }
  open_run_dir(run_dir, r.checkpoint);
  r.model = models::make_model(config.root().child("model"));
  r.model->to(resolve_device(device.empty() ? "auto" : device, "--device"));
  check(stride >= 0, "--stride: expected a positive stride (0: the run's data.stride), found {}", stride);
  const size_t trained_side = r.run.data.resolution;
  if (!data_file.empty() || stride > 0) r.run.data.resolution = 0;  // zero-shot: any grid the model takes
  if (stride > 0) r.run.data.stride = static_cast<size_t>(stride);
  r.data = std::make_unique<data::TaskData>(r.run.data, r.model->in_channels(), r.model->out_channels(), data_file);
  const auto grid = r.data->grid();
  if (trained_side != 0 && (grid.height != static_cast<int64_t>(trained_side) || grid.width != static_cast<int64_t>(trained_side)))
    log::info("{}: zero-shot at another resolution: trained at {}x{}, evaluated at {}x{}", run_dir, trained_side,
              trained_side, grid.height, grid.width);
  r.data->load_normalisers(r.paths.normalisers());
  r.state = train::load_checkpoint(r.paths.checkpoint(r.checkpoint), *r.model, nullptr).state;
  return r;
}

}  // namespace mno::run
