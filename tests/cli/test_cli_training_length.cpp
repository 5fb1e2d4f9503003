// The length of training, through the command line and the shipped OFormer config (which counts
// train.iterations): an override of train.epochs replaces it instead of being ignored, a config
// with both keys is refused naming them, and --stop-after-steps N counts N more steps on a resume.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"

namespace mno::cli::testing {
namespace {

namespace fs = std::filesystem;
using data::testing::TempDir;

const std::string kOformer = "configs/darcy/oformer_mamba.yaml";

// 24 samples of 8 x 8 Darcy (22 train at the pdebench split: 5 steps of 4 per epoch).
std::string tiny_darcy(const TempDir& dir) {
  const std::string file = dir.file("darcy.h5");
  const CliResult g = run_mno({"generate", "darcy", "--samples", "24", "--resolution", "8", "--out", file});
  EXPECT_EQ(g.exit_code, 0) << g.output;
  return file;
}

// The shipped OFormer config, shrunk: its own data and model sizes for 8 x 8 data on a CPU.
std::vector<std::string> tiny_oformer(const std::string& data, const std::string& run, std::vector<std::string> more) {
  std::vector<std::string> args{"--threads", "1", "train", "-c", kOformer, "--out", run, "--no-eval",
                                "data.file=" + data, "data.stride=1", "data.resolution=8", "train.device=cpu",
                                "train.batch_size=4", "train.eval_batch_size=4", "model.encoder_width=16",
                                "model.encoder_heads=2", "model.encoder_head_dim=8", "model.rotary_scales=[1]",
                                "model.decoder_width=16", "model.decoder_heads=2", "model.decoder_head_dim=8",
                                "model.fourier_features=8"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(CliTrainingLength, AnEpochsOverrideOnTheOformerConfigTrainsThoseEpochs) {
  TempDir dir;
  const std::string run = dir.file("run");
  // Before, train.epochs was ignored beside the config's 200001 iterations: the safety stop
  // below ends such a run at step 20 (exit 130) instead of letting it run for hours.
  const CliResult r = run_mno(tiny_oformer(tiny_darcy(dir), run, {"train.epochs=2", "--stop-after-steps", "20"}));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("2 epochs x 5 steps = 10 steps")) << r.output;
  const std::string saved = read_text(run + "/config.yaml");
  EXPECT_NE(saved.find("epochs: 2"), std::string::npos) << saved;
  EXPECT_NE(saved.find("iterations: 0"), std::string::npos) << saved;  // off: the override replaced it
}

TEST(CliTrainingLength, AnIterationsOverrideOnAnEpochsConfigTrainsThoseSteps) {
  TempDir dir;
  const std::string run = dir.file("run");
  const CliResult r = run_mno({"--threads", "1", "train", "-c", "configs/darcy/gt_galerkin.yaml", "--out", run, "--no-eval",
                               "data.file=" + tiny_darcy(dir), "data.stride=1", "data.resolution=8", "train.device=cpu",
                               "train.batch_size=4", "model.width=16", "model.layers=1", "model.ffn_dim=16",
                               "model.freq_dim=8", "model.modes=2", "model.spectral_layers=1", "model.regressor_hidden=16",
                               "train.iterations=3"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("= 3 steps")) << r.output;
  const std::string saved = read_text(run + "/config.yaml");
  EXPECT_EQ(saved.find("epochs:"), std::string::npos) << saved;  // removed: the override replaced it
}

TEST(CliTrainingLength, BothKeysAreRefusedNamingThemAndTheWayOut) {
  TempDir dir;
  const std::string data = tiny_darcy(dir);
  const CliResult both = run_mno(tiny_oformer(data, dir.file("run"), {"train.epochs=2", "train.iterations=30"}));
  EXPECT_EQ(both.exit_code, 1) << both.output;
  for (const std::string& part : std::vector<std::string>{"error: ", kOformer, "'train.epochs: 2' and 'train.iterations: 30' both set the length "
                                 "of training", "train.iterations=0 with train.epochs trains by epochs"})
    EXPECT_TRUE(both.has(part)) << "missing: " << part << "\n" << both.output;
  EXPECT_FALSE(fs::exists(dir.file("run")));

  // A config file with both, as a user might write by adding epochs to the shipped one.
  std::string text = read_text(source_dir() + "/" + kOformer);
  text.replace(text.find("  iterations:"), 0, "  epochs: 3\n");
  const std::string file = dir.file("both.yaml");
  std::ofstream(file) << text;
  std::vector<std::string> args = tiny_oformer(data, dir.file("run"), {});
  args[4] = file;
  const CliResult in_file = run_mno(args);
  EXPECT_EQ(in_file.exit_code, 1) << in_file.output;
  EXPECT_TRUE(in_file.has(file + ": 'train.epochs: 3' and 'train.iterations: 200001' both set")) << in_file.output;

  // The way out the message names: iterations=0 and epochs together train by epochs.
  const CliResult by_epochs = run_mno(tiny_oformer(data, dir.file("run"), {"train.epochs=1", "train.iterations=0"}));
  EXPECT_EQ(by_epochs.exit_code, 0) << by_epochs.output;
  EXPECT_TRUE(by_epochs.has("1 epochs x 5 steps = 5 steps")) << by_epochs.output;
}

TEST(CliTrainingLength, StopAfterStepsOnAResumeCountsMoreSteps) {
  TempDir dir;
  const std::string run = dir.file("run");
  const CliResult first = run_mno(tiny_oformer(tiny_darcy(dir), run, {"train.iterations=30", "--stop-after-steps", "7"}));
  EXPECT_EQ(first.exit_code, 130) << first.output;
  EXPECT_TRUE(first.has("stopped at step 7:")) << first.output;
  // As an mno that filled in the default `epochs: 1` beside `iterations` saved it: still resumes.
  std::string saved = read_text(run + "/config.yaml");
  ASSERT_EQ(saved.find("epochs:"), std::string::npos) << saved;
  saved.replace(saved.find("  iterations: 30\n"), 0, "  epochs: 1\n");
  std::ofstream(run + "/config.yaml", std::ios::trunc) << saved;
  const CliResult second = run_mno({"--threads", "1", "train", "--resume", run, "--no-eval", "--stop-after-steps", "3"});
  EXPECT_EQ(second.exit_code, 130) << second.output;
  EXPECT_TRUE(second.has("stopped at step 10:")) << second.output;
  const CliResult help = run_mno({"train", "--help"});
  EXPECT_TRUE(help.has("a --resume from step S at step S + N")) << help.output;
}

}  // namespace
}  // namespace mno::cli::testing
