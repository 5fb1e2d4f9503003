#include "mno/workflows/demo.h"

#include <filesystem>
#include <fstream>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/core/output_policy.h"
#include "mno/core/remove_tree.h"
#include "mno/data/gen/generate.h"
#include "mno/workflows/evaluate_run.h"
#include "mno/workflows/training.h"

// The run directory and its Experiment (run/): this room's floor below.
using namespace mno::run;

namespace mno::workflows {
namespace {

namespace fs = std::filesystem;

struct DemoSize {
  size_t samples, side;
  int64_t epochs;
};

// A demo-sized GT (width 64, 3 layers; the paper's is 256 x 6): the whole demo, both models,
// trains in a few minutes on two CPU cores. The schedule and clipping are the paper's GT settings.
std::string demo_config(const std::string& mixer, const std::string& data_file, int64_t epochs) {
  return fmt::format(R"(# mno demo: Galerkin Transformer host, demo size, mixer {0}.
name: gt_{0}
model:
  name: gt
  in_channels: 1
  out_channels: 1
  width: 64
  layers: 3
  ffn_dim: 128
  freq_dim: 32
  modes: 8
  spectral_layers: 2
  regressor_hidden: 64
  mixer: {{type: {0}}}
data: {{file: {1}, split: pdebench, stride: 1}}
train:
  device: auto
  seed: 42
  epochs: {2}
  batch_size: 8
  eval_batch_size: 8
  eval_every: 1
  clip_grad_norm: 0.999
  plot_samples: 2
  optimizer: {{type: adam, lr: 1.0e-3}}
  schedule: {{type: onecycle, max_lr: 1.0e-3, div_factor: 1.0e4, final_div_factor: 1.0e4, pct_start: 0.3}}
)", mixer, data_file, epochs);
}

// What a demo writes into its directory, the only entries a later demo replaces: files the user
// put beside them (notes, predictions) are never touched.
const char* const kDemoMarker = ".mno-demo";
const char* const kDemoEntries[] = {"darcy.h5", "gt_mamba", "gt_galerkin", "report.md", kDemoMarker};

void prepare_out_dir(const std::string& out) {
  OutputSpec spec;
  spec.path = out;
  spec.kind = OutputKind::directory;
  spec.option = "--out";
  check_output_kind_and_inputs(spec);  // a file named like the directory is refused before any work
  const std::string marker = out + "/" + kDemoMarker;
  if (fs::exists(out)) {
    check(fs::exists(marker) || fs::is_empty(out),
          "--out '{}' exists and is not an earlier demo's directory; refusing to write into it (choose a new or "
          "empty directory)", out);
    for (const char* entry : kDemoEntries) remove_tree(out + "/" + entry);
  }
  try {
    fs::create_directories(out);
  } catch (const fs::filesystem_error& e) {
    throw Error(fmt::format("cannot create demo directory '{}': {}", out, e.code().message()));
  }
  std::ofstream(marker) << "made by mno demo; a later mno demo replaces what it wrote here (darcy.h5, gt_mamba/, "
                           "gt_galerkin/, report.md) and nothing else\n";
}

}  // namespace

std::string run_demo(const DemoOptions& options) {
  const DemoSize size = options.quick ? DemoSize{64, 16, 2} : DemoSize{320, 32, 10};
  prepare_out_dir(options.out);
  const std::string data_file = options.out + "/darcy.h5";
  log::info("mno demo: 1/4 generating {} Darcy samples on a {}x{} grid -> {}", size.samples, size.side, size.side, data_file);
  data::gen::GenerateOptions g;
  g.samples = size.samples;
  g.out = data_file;
  g.progress = false;
  data::gen::DarcyParams darcy;
  darcy.resolution = size.side;
  const auto generated = data::gen::generate_darcy(g, darcy);

  std::string table = eval::metrics_table_header(), timing, links;
  int step = 2;
  for (const std::string mixer : {"mamba", "galerkin"}) {
    const std::string name = "gt_" + mixer;
    log::info("mno demo: {}/4 training GT with the {} mixer ({} epochs)", step++, mixer, size.epochs);
    const Config config = Config::parse(demo_config(mixer, data_file, size.epochs), "mno demo (" + name + ")");
    auto trainer = start_training(config, options.out + "/" + name);
    const train::TrainOutcome outcome = trainer->run({});
    const double per_epoch = outcome.state.seconds / static_cast<double>(std::max<int64_t>(1, outcome.state.epoch));
    trainer.reset();
    const RunEvaluation e = evaluate_run(options.out + "/" + name, "", "", false);
    const std::string label = mixer == "mamba" ? "GT + Mamba (MNO)" : "GT + Galerkin attention";
    table += eval::metrics_table_row(label, e.parameters, e.evaluation, e.train_seconds);
    timing += fmt::format("| {} | {:.1f} | {:.2f} | {:.2f} |\n", label, e.train_seconds, per_epoch,
                          e.evaluation.seconds);
    links += fmt::format("- {1}: [report]({0}/report.md), [loss]({0}/plots/loss.png), [test sample 0]({0}/plots/sample0.png)\n",
                         name, label);
  }
  log::info("mno demo: 4/4 writing the report");
  const std::string report = options.out + "/report.md";
  const std::string md = fmt::format(
      "# mno demo: the Mamba Neural Operator vs its attention twin on Darcy flow\n\n"
      "What ran (`mno demo{}`): {} Darcy samples (a -> u, beta 1, PDEBench's recipe) generated on a {}x{} grid "
      "in {:.1f} s; test = the first 10%, train = the rest. The same demo-size Galerkin Transformer host (width 64, "
      "3 layers, spectral regressor; the paper's is width 256, 6 layers) trained twice for {} epochs with the "
      "paper's GT settings (Adam, OneCycle max lr 1e-3, clipping 0.999, MSE, seed 42): once with the bi-directional "
      "S6 mixer (the MNO), once with Galerkin attention. Both are evaluated on the same test samples.\n\n"
      "## Test metrics (last epoch)\n\n{}\n"
      "`standard`: PDEBench's definitions per sample, averaged. `paper RMSE/nRMSE`: the authors' computation, which "
      "for Darcy is a mean absolute error and a mean point-wise relative error (docs/metrics.md).\n\n"
      "## Time\n\n| model | train s | s / epoch | eval s |\n|---|---:|---:|---:|\n{}\n"
      "## Each run\n\n{}\n"
      "A run directory holds config.yaml, log.csv, checkpoints/, metrics.json, along_time.csv, plots/ and report.md; "
      "`mno eval`, `mno predict` and `mno train --resume` work on it (docs/training.md). Small data and few epochs: "
      "this shows the tool end to end, not the paper's numbers.\n",
      options.quick ? " --quick" : "", size.samples, size.side, size.side, generated.seconds, size.epochs, table, timing,
      links);
  write_text_atomically(report, md);
  fmt::print("{}", table);
  log::info("mno demo: report written to {}", report);
  return report;
}

}  // namespace mno::workflows
