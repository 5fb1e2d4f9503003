#include "mno/workflows/export_run.h"

#include <filesystem>

#include <fmt/ranges.h>

#include "mno/core/atomic_file.h"
#include "mno/core/config.h"
#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/parity/authors_names.h"
#include "mno/parity/checkpoint_export.h"
#include "mno/models/neural_operator.h"
#include "mno/parity/safetensors_writer.h"
#include "mno/parity/torch_save_writer.h"
#include "mno/run/run_paths.h"
#include "mno/run/saved_run.h"
#include "mno/train/checkpoint.h"

// The run directory and its Experiment (run/): this room's floor below.
using namespace mno::run;

namespace mno::workflows {
namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The checkpoint to export: the one asked for, else the run's report_checkpoint (falling back to
// last, as mno eval does, when no best has been written yet).
std::string choose_checkpoint(const ExportRequest& r, const RunPaths& paths, const Experiment& run) {
  if (!r.checkpoint.empty()) {
    check(r.checkpoint == "last" || r.checkpoint == "best", "--checkpoint: expected last or best, found '{}'",
          r.checkpoint);
    open_run_dir(r.run_dir, r.checkpoint);
    return r.checkpoint;
  }
  std::string which = run.train.report_checkpoint;
  if (which == "best" && !fs::exists(paths.checkpoint("best")) && fs::exists(paths.checkpoint("last"))) {
    log::warn("{}: no best checkpoint (no evaluation has finished yet); exporting the last one", r.run_dir);
    which = "last";
  }
  check(fs::exists(paths.checkpoint(which)),
        "run '{}' has no checkpoint to export (expected {}); train it (mno train) or import one (mno import) first",
        r.run_dir, paths.checkpoint(which));
  return which;
}

void write_one(const std::string& path, const parity::NamedTensors& tensors, const std::string& format) {
  if (format == "safetensors") parity::write_safetensors(path, tensors);
  else parity::write_torch_state_dict(path, tensors);
}

// Each file to a temporary name first; the renames come last, after every file is complete.
void write_all(const std::vector<std::string>& files, const std::vector<parity::NamedTensors>& parts,
               const std::string& format, size_t i = 0) {
  if (i == files.size()) return;
  write_atomically(files[i], [&](const std::string& tmp) {
    write_one(tmp, parts[i], format);
    write_all(files, parts, format, i + 1);
  });
}

}  // namespace

std::vector<std::string> export_file_names(const std::string& out, const std::vector<std::string>& parts,
                                           const std::string& format) {
  if (parts.size() == 1 && parts[0].empty()) return {out};
  std::string base = out, ext = format == "safetensors" ? ".safetensors" : ".pt";
  for (const char* known : {".pt", ".pth", ".safetensors"})
    if (ends_with(out, known) && out.size() > std::string(known).size()) {
      ext = known;
      base = out.substr(0, out.size() - ext.size());
    }
  std::vector<std::string> files;
  for (const auto& part : parts) files.push_back(base + "." + part + ext);
  return files;
}

ExportResult export_authors_run(const ExportRequest& r) {
  check(!r.out.empty(), "mno export: --out FILE is required");
  check(r.format == "torch" || r.format == "safetensors", "--format: expected torch or safetensors, found '{}'",
        r.format);
  const RunPaths paths = open_run_dir(r.run_dir);
  const Experiment run = Experiment::read_saved(paths);
  const ConfigNode model_node = run.model_spec();
  const std::string what = fmt::format("mno export {}", r.run_dir);
  try {
    parity::authors_name_table(model_node);  // refuses a model the authors do not have, with the reason
  } catch (const Error& e) {
    throw Error(fmt::format("{}: cannot export: {}", what, e.what()));
  }
  ExportResult result;
  result.checkpoint = choose_checkpoint(r, paths, run);
  const auto parts = parity::authors_checkpoint_parts(model_node);
  result.files = export_file_names(r.out, parts, r.format);
  for (const auto& file : result.files) check_may_write(file, r.overwrite, "--out");

  auto model = models::make_model(model_node);
  train::load_checkpoint(paths.checkpoint(result.checkpoint), *model, nullptr);
  const auto all = parity::export_authors_state(
      *model, model_node, what, parity::authors_data(model_node, static_cast<int64_t>(run.data.input_frames)));
  write_all(result.files, parity::split_authors_parts(all, parts, what), r.format);
  result.tensors = all.size();
  log::info("exported {} tensors of {} (checkpoints/{}.pt) in the authors' {} names: {}", all.size(), r.run_dir,
            result.checkpoint, model_node.get<std::string>("name", ""), fmt::join(result.files, ", "));
  return result;
}

}  // namespace mno::workflows
