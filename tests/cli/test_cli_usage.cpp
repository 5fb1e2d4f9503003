// The command line as a user first meets it: help, the global options, self-checks, model info,
// and the one-line errors for what is wrong.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"

namespace mno::cli::testing {
namespace {

namespace fs = std::filesystem;
using data::testing::TempDir;

// A usage error: exit 2, one `error: ` line naming each of `parts`, and where to look for usage.
void expect_usage_error(const CliResult& r, std::initializer_list<std::string> parts) {
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(r.has("error: ")) << r.output;
  for (const auto& part : parts) EXPECT_TRUE(r.has(part)) << "missing: " << part << "\n" << r.output;
  EXPECT_TRUE(r.has("Run with --help for usage.")) << r.output;
}

TEST(CliUsage, HelpListsEveryCommand) {
  const CliResult r = run_mno({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* command : {"bench", "check", "demo", "info", "generate", "data", "train", "eval", "predict"})
    EXPECT_TRUE(r.has(std::string("\n  ") + command)) << command << "\n" << r.output;
}

TEST(CliUsage, AnUnknownCommandFails) {
  const CliResult r = run_mno({"frobnicate"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.has("frobnicate")) << r.output;
}

TEST(CliUsage, NegativeThreadsFail) {
  const CliResult r = run_mno({"--threads", "-1", "check", "layers"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.has("--threads")) << r.output;
}

TEST(CliUsage, CheckLayersPassesEveryCheck) {
  const CliResult r = run_mno({"--threads", "2", "check", "layers"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("layer checks passed")) << r.output;
  EXPECT_FALSE(r.has("FAIL")) << r.output;
}

TEST(CliUsage, InfoModelPrintsTheAuthorsParameterCount) {
  const CliResult r = run_mno({"info", "model", "configs/darcy/gt_mamba.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("trainable parameters: 4854177")) << r.output;
}

TEST(CliUsage, InfoModelNamesAnUnknownMixer) {
  const CliResult r = run_mno({"info", "model", "configs/darcy/gt_mamba.yaml", "model.mixer.type=mambo"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.has("error: ")) << r.output;
  EXPECT_TRUE(r.has("model.mixer.type")) << r.output;
  EXPECT_TRUE(r.has("mambo")) << r.output;
}

// ---- usage errors found by the commands themselves: exit 2, as for those CLI11 finds ----

// (`mno train` alone: CliTrain.WithoutAConfigOrRunIsAUsageError; `mno analyze hippo`: CliAnalyze.)
TEST(CliUsage, TrainWithBothAConfigAndARunIsAUsageError) {
  TempDir dir;
  expect_usage_error(run_mno({"train", "-c", "configs/darcy/gt_mamba.yaml", "--resume", dir.path()}),
                     {"give either -c CONFIG or --resume RUN_DIR"});
  expect_usage_error(run_mno({"train", "--resume", dir.path(), "train.epochs=3"}), {"'train.epochs=3' is not accepted: a resumed run takes data.file=FILE alone"});
  expect_usage_error(run_mno({"train", "--resume", dir.path(), "--overwrite"}), {"--overwrite does not apply"});
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(CliUsage, ImportWithoutTheCheckpointFlagItsModelNeedsIsAUsageError) {
  TempDir dir;
  const CliResult r = run_mno({"import", "-c", "configs/darcy/gt_mamba.yaml", "--out", dir.file("run")});
  expect_usage_error(r, {"mno import: a gt model needs --checkpoint FILE"});
  EXPECT_FALSE(fs::exists(dir.file("run")));
}

TEST(CliUsage, DataPlotOfASampleOrFrameTheFileDoesNotHaveIsAUsageError) {
  TempDir dir;
  const std::string darcy = source_dir() + "/tests/fixtures/pdebench_darcy.h5";
  expect_usage_error(run_mno({"data", "plot", darcy, "--sample", "99", "--out", dir.file("p.png")}),
                     {"--sample 99 out of range, the file has 3 samples"});
  expect_usage_error(run_mno({"data", "plot", darcy, "--sample", "0", "--frame", "2", "--out", dir.file("p.png")}),
                     {"a Darcy file has no frames; drop --frame"});
  const std::string swe = source_dir() + "/tests/fixtures/pdebench_swe.h5";
  expect_usage_error(run_mno({"data", "plot", swe, "--sample", "0", "--frame", "99", "--out", dir.file("p.png")}),
                     {"--frame 99 out of range"});
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(CliUsage, LaunchNeedsItsCommandAndRunsOnlyTrain) {
  expect_usage_error(run_mno({"launch", "--nproc", "2"}), {"mno launch: give the mno command every rank runs after '--'"});
  const CliResult eval = run_mno({"launch", "--nproc", "2", "--", "eval", "runs/x"});
  expect_usage_error(eval, {"mno launch: only `train` runs as several ranks, found 'eval'", "mno eval runs/x"});
  EXPECT_FALSE(eval.has("rendezvous")) << "a rank was started:\n" << eval.output;
  // mno's global options may come first; the command after them is the one checked.
  expect_usage_error(run_mno({"launch", "--nproc", "2", "--", "--threads", "1", "predict", "runs/x"}),
                     {"found 'predict'"});
  expect_usage_error(run_mno({"launch", "--nproc", "2", "--", "--threads", "1"}), {"give the mno command"});
}

// ---- configs: an override's value is the command line's, a key given twice is an error ----

TEST(CliUsage, AnOverridesBadValueIsNamedAsTheCommandLineNotTheFile) {
  TempDir dir;
  const CliResult r =
      run_mno({"train", "-c", "configs/darcy/gt_mamba.yaml", "train.epochs=abc", "--runs-dir", dir.file("runs")});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.has("error: train.epochs=abc (command line): expected an integer, found 'abc'")) << r.output;
  EXPECT_FALSE(r.has("gt_mamba.yaml: key")) << r.output;
  EXPECT_FALSE(fs::exists(dir.file("runs")));

  const CliResult typo = run_mno({"info", "model", "configs/darcy/gt_mamba.yaml", "model.widht=16"});
  EXPECT_EQ(typo.exit_code, 1) << typo.output;
  EXPECT_TRUE(typo.has("error: model.widht=16 (command line): unknown key 'model.widht' (did you mean 'width'?)"))
      << typo.output;
}

TEST(CliUsage, AConfigKeyGivenTwiceIsAnErrorNamingBothLines) {
  TempDir dir;
  std::string text = read_text(source_dir() + "/configs/darcy/gt_mamba.yaml");
  ASSERT_NE(text.find("  name: gt\n"), std::string::npos);
  text.insert(text.find("  name: gt\n"), "  width: 8\n");
  text.insert(text.find("  out_channels: 1\n"), "  width: 16\n");
  const auto line_of = [&text](const std::string& s) {
    return 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(text.find(s)), '\n');
  };
  const std::string path = dir.file("twice.yaml");
  std::ofstream(path) << text;
  const CliResult r = run_mno({"info", "model", path});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.has(fmt::format("error: {}: key 'model.width' is given twice (lines {} and {})", path,
                                line_of("  width: 8"), line_of("  width: 16"))))
      << r.output;
}

}  // namespace
}  // namespace mno::cli::testing
