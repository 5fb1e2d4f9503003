#include "mno/workflows/import_run.h"

#include <filesystem>

#include "mno/core/config.h"
#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/core/output_policy.h"
#include "mno/core/remove_tree.h"
#include "mno/core/usage_error.h"
#include "mno/parity/authors_names.h"
#include "mno/parity/checkpoint_import.h"
#include "mno/models/neural_operator.h"
#include "mno/run/run_paths.h"
#include "mno/workflows/training.h"
#include "mno/train/training_length.h"

// The run directory and its Experiment (run/): this room's floor below.
using namespace mno::run;

namespace mno::workflows {
namespace fs = std::filesystem;

namespace {

// The authors' tensors of every file the host saves, named as the host's table expects them.
// Which flags name those files depends on the config's host: a wrong or missing one is a usage
// error (exit 2), found only now that the config is read.
parity::NamedTensors read_parts(const ImportRequest& r, const ConfigNode& model_node) {
  const auto parts = parity::authors_checkpoint_parts(model_node);
  const auto host = model_node.get<std::string>("name", "");
  if (parts.size() == 1) {
    if (!r.encoder.empty() || !r.decoder.empty())
      throw UsageError(fmt::format("mno import: --encoder/--decoder are for OFormer's two checkpoint files; a {} "
                                   "checkpoint is one file: pass it as --checkpoint",
                                   host));
    if (r.checkpoint.empty())
      throw UsageError(
          fmt::format("mno import: a {} model needs --checkpoint FILE (the authors' torch.save file)", host));
    return parity::read_authors_checkpoint(parts, {r.checkpoint});
  }
  if (!r.checkpoint.empty())
    throw UsageError(fmt::format("mno import: the authors save {} as two files; pass them as --encoder FILE and "
                                 "--decoder FILE instead of --checkpoint",
                                 host));
  std::vector<std::string> files;
  for (const auto& part : parts) {
    files.push_back(part == "encoder" ? r.encoder : r.decoder);
    if (files.back().empty())
      throw UsageError(fmt::format("mno import: the {} checkpoint comes as two files and --{} is missing "
                                   "(expected --encoder FILE --decoder FILE)",
                                   host, part));
  }
  return parity::read_authors_checkpoint(parts, files);
}

}  // namespace

std::string import_authors_run(const ImportRequest& r) {
  if (r.out.empty()) throw UsageError("mno import: --out RUN_DIR is required");
  // Before any work (core/output_policy.h): --overwrite must not delete the files being imported
  // with the run they sit in (start_training checks data.file).
  check_output_kind_and_inputs({r.out, OutputKind::directory, "--out", r.overwrite,
                                r.overwrite ? std::vector<OutputInput>{{"-c", r.config_path},
                                                                       {"--checkpoint", r.checkpoint},
                                                                       {"--encoder", r.encoder},
                                                                       {"--decoder", r.decoder}}
                                            : std::vector<OutputInput>{}});
  Config config = Config::load_file(r.config_path);
  train::apply_run_overrides(config, r.overrides);
  const Experiment experiment = read_new_experiment(config, RunPaths{r.out}.name());
  const ConfigNode model_node = experiment.model_spec();
  const data::DataConfig& data = experiment.data;
  const auto table =
      parity::authors_name_table(model_node, parity::authors_data(model_node, static_cast<int64_t>(data.input_frames)));
  const auto authors = read_parts(r, model_node);
  const std::string what = fmt::format("mno import {}", r.checkpoint.empty() ? r.encoder : r.checkpoint);

  // Map and check everything on a model of our own before anything is written.
  auto staged = models::make_model(model_node);
  parity::load_authors_state(*staged, authors, table, what);

  // Normalisers are fitted on the training split, so only a run that has some to fit needs one;
  // otherwise any number of samples will do (all of them are checked against the model).
  const bool fits = data.normalise_inputs != "none" || data.normalise_targets != "none";
  if (!fits)
    log::info("no normalisers to fit (data.normalise_inputs and data.normalise_targets: none): {} is not split", data.file);
  const bool existed = fs::exists(r.out);
  TrainingRun run = start_training(experiment, r.out, r.overwrite, nullptr,
                                   fits ? data::DataUse::split : data::DataUse::all_samples);
  try {
    torch::NoGradGuard no_grad;
    auto& model = run->model();
    const auto from = staged->named_parameters();
    for (auto& p : model.named_parameters()) p.value().copy_(from[p.key()]);
    const auto from_buffers = staged->named_buffers();
    for (auto& b : model.named_buffers()) b.value().copy_(from_buffers[b.key()]);
    run->save_last();
  } catch (...) {
    run.reset();
    if (!existed) remove_tree_noexcept(r.out);
    throw;
  }
  if (model_node.get<std::string>("name", "") == "oformer" && data.positions == "file" &&
      run->data().info().pde == data::Pde::darcy)
    log::warn("the authors' OFormer Darcy script places the points at linspace(0, 1, n) per axis, mno at {}'s "
              "coordinates: to compute what their model computes, import with data.positions=linspace "
              "(docs/models.md, \"Coordinate order\")", data.file);
  log::info("imported {} tensors of the authors' {} into {} (checkpoints/last.pt, step 0)", authors.size(),
            model_node.get<std::string>("name", ""), r.out);
  return r.out;
}

}  // namespace mno::workflows
