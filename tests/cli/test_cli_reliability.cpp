// What a user owns is never overwritten or half-written, and every bad argument, file, config
// and run gets one clear error (docs/reliability.md has the table these tests stand behind).
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"
#include "train/train_test_support.h"

namespace mno::cli::testing {
namespace {

namespace fs = std::filesystem;
using data::testing::TempDir;

// The tiny GT of the train/ tests as a config file on a generated 8 x 8 Darcy set.
std::string tiny_config(const TempDir& dir) {
  return train::testing::write_tiny_gt_config(dir.path(), train::testing::make_darcy(dir.path(), 24, 8));
}

std::vector<std::string> temporaries(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) found.push_back(e.path().string());
  return found;
}

std::string host() {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

void expect_error_line(const CliResult& r, int code, std::initializer_list<std::string> parts) {
  EXPECT_EQ(r.exit_code, code) << r.output;
  EXPECT_EQ(r.output.rfind("error: ", 0) == 0 || r.has("\nerror: "), true) << r.output;
  for (const auto& part : parts) EXPECT_TRUE(r.has(part)) << "missing: " << part << "\n" << r.output;
}

// ---- files a user owns ---------------------------------------------------------------------

TEST(CliOverwrite, GenerateRefusesAnExistingFileUnlessOverwrite) {
  TempDir dir;
  const std::string file = dir.file("keep.h5");
  ASSERT_EQ(run_mno({"generate", "darcy", "--samples", "2", "--resolution", "8", "--out", file}).exit_code, 0);
  const std::string before = read_text(file);
  const CliResult refused = run_mno({"generate", "swe", "--samples", "1", "--resolution", "8", "--frames", "3",
                                     "--final-time", "0.1", "--out", file});
  expect_error_line(refused, 1, {"--out '" + file + "' already exists", "--overwrite"});
  EXPECT_TRUE(read_text(file) == before);
  const CliResult replaced = run_mno({"generate", "swe", "--samples", "1", "--resolution", "8", "--frames", "3",
                                      "--final-time", "0.1", "--out", file, "--overwrite"});
  EXPECT_EQ(replaced.exit_code, 0) << replaced.output;
  EXPECT_TRUE(read_text(file) != before);
}

TEST(CliOverwrite, PredictAndTrainRefuseExistingOutputsUnlessOverwrite) {
  TempDir dir;
  const std::string config = tiny_config(dir);
  const std::string run = dir.file("run");
  ASSERT_EQ(run_mno({"train", "-c", config, "--out", run, "train.epochs=1", "--no-eval"}).exit_code, 0);
  const CliResult again = run_mno({"train", "-c", config, "--out", run, "train.epochs=1", "--no-eval"});
  expect_error_line(again, 1, {"already holds a run", "--overwrite"});
  // With a trailing '/', as a shell's completion types it.
  const CliResult replaced =
      run_mno({"train", "-c", config, "--out", run + "/", "train.epochs=2", "--no-eval", "--overwrite"});
  EXPECT_EQ(replaced.exit_code, 0) << replaced.output;
  EXPECT_NE(read_text(run + "/config.yaml").find("epochs: 2"), std::string::npos);
  EXPECT_NE(read_text(run + "/config.yaml").find("name: run\n"), std::string::npos);
  EXPECT_FALSE(fs::exists(run + ".replaced." + std::to_string(getpid())));

  const std::string pred = dir.file("pred.h5");
  std::ofstream(pred) << "mine";
  const CliResult p = run_mno({"predict", run, "--input", dir.file("darcy.h5"), "--out", pred});
  expect_error_line(p, 1, {"--out '" + pred + "' already exists"});
  EXPECT_EQ(read_text(pred), "mine");
  EXPECT_EQ(run_mno({"predict", run, "--input", dir.file("darcy.h5"), "--out", pred, "--overwrite"}).exit_code, 0);
}

// ---- a full disk: a file-size limit (as `ulimit -f`) ------------------------------------------

TEST(CliDiskFull, GenerateFailsCleanlyAndKeepsTheOldFile) {
  TempDir dir;
  const std::string file = dir.file("d.h5");
  ASSERT_EQ(run_mno({"generate", "darcy", "--samples", "1", "--resolution", "8", "--out", file}).exit_code, 0);
  const std::string before = read_text(file);
  CliOptions limited;
  limited.file_size_limit = 64 * 1024;
  const CliResult r = run_mno({"generate", "darcy", "--samples", "20", "--resolution", "64", "--out", file, "--overwrite"},
                              limited);
  expect_error_line(r, 1, {file});
  EXPECT_TRUE(read_text(file) == before);
  EXPECT_EQ(temporaries(dir.path()), std::vector<std::string>{});
}

TEST(CliDiskFull, PredictFailsCleanlyAndKeepsTheOldFile) {
  TempDir dir;
  const std::string run = dir.file("run");
  ASSERT_EQ(run_mno({"train", "-c", tiny_config(dir), "--out", run, "train.epochs=1", "--no-eval"}).exit_code, 0);
  const std::string pred = dir.file("pred.h5");
  std::ofstream(pred) << "mine";
  CliOptions limited;
  limited.file_size_limit = 4 * 1024;
  const CliResult r = run_mno({"predict", run, "--input", dir.file("darcy.h5"), "--out", pred, "--overwrite"}, limited);
  expect_error_line(r, 1, {pred});
  EXPECT_EQ(read_text(pred), "mine");
  EXPECT_EQ(temporaries(dir.path()), std::vector<std::string>{});
}

TEST(CliDiskFull, ACheckpointThatCannotBeWrittenKeepsThePreviousOne) {
  TempDir dir;
  const std::string run = dir.file("run");
  const CliResult first = run_mno({"train", "-c", tiny_config(dir), "--out", run, "--stop-after-steps", "5", "--no-eval"});
  ASSERT_EQ(first.exit_code, 130) << first.output;
  const std::string before = read_text(run + "/checkpoints/last.pt");
  ASSERT_GT(before.size(), 16u * 1024);
  CliOptions limited;
  limited.file_size_limit = 8 * 1024;  // log.csv fits, a checkpoint does not
  const CliResult r = run_mno({"train", "--resume", run, "--no-eval"}, limited);
  expect_error_line(r, 1, {"cannot write checkpoint", "the previous checkpoint is kept"});
  EXPECT_TRUE(read_text(run + "/checkpoints/last.pt") == before);
  EXPECT_EQ(temporaries(run), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists(run + "/.lock"));
  EXPECT_EQ(run_mno({"train", "--resume", run, "--no-eval"}).exit_code, 0);  // and it resumes once there is room
}

TEST(CliDiskFull, AReportThatCannotBeWrittenKeepsThePreviousPlots) {
  TempDir dir;
  const std::string run = dir.file("run");
  ASSERT_EQ(run_mno({"train", "-c", tiny_config(dir), "--out", run, "train.epochs=1"}).exit_code, 0);
  const std::string plot = read_text(run + "/plots/sample0.png");
  ASSERT_GT(plot.size(), 8u * 1024);
  CliOptions limited;
  limited.file_size_limit = 8 * 1024;  // metrics.json and along_time.csv fit, a heatmap does not
  const CliResult r = run_mno({"eval", run}, limited);
  expect_error_line(r, 1, {"sample0.png", "not written completely"});
  EXPECT_TRUE(read_text(run + "/plots/sample0.png") == plot);
  EXPECT_EQ(temporaries(run), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists(run + "/.lock"));
}

TEST(CliDiskFull, AnUnwritableDirectoryIsNamed) {
  TempDir dir;
  const std::string run = dir.file("run");
  ASSERT_EQ(run_mno({"train", "-c", tiny_config(dir), "--out", run, "train.epochs=1", "--no-eval"}).exit_code, 0);
  const CliResult r = run_mno({"predict", run, "--input", dir.file("darcy.h5"), "--out", dir.file("no/such/dir/p.h5")});
  expect_error_line(r, 1, {"no/such/dir", "does not exist"});
}

// ---- the command line ----------------------------------------------------------------------

TEST(CliUsageErrors, UnknownFlagsAndCommandsAreOneLineWithExitCode2) {
  expect_error_line(run_mno({"--frobnicate"}), 2, {"--frobnicate"});
  expect_error_line(run_mno({"train", "--bogus-flag"}), 2, {"--bogus-flag"});
  expect_error_line(run_mno({"frobnicate"}), 2, {"frobnicate"});
}

TEST(CliUsageErrors, MissingAndOutOfRangeValuesNameTheFlag) {
  TempDir dir;
  expect_error_line(run_mno({"generate", "darcy", "--out", dir.file("x.h5"), "--samples"}), 2, {"--samples"});
  expect_error_line(run_mno({"generate", "darcy", "--samples", "-5", "--out", dir.file("x.h5")}), 2, {"--samples", "-5", "1"});
  expect_error_line(run_mno({"generate", "swe", "--samples", "2", "--frames", "-3", "--out", dir.file("x.h5")}), 2,
                    {"--frames", "-3"});
  expect_error_line(run_mno({"generate", "darcy", "--samples", "2", "--resolution", "2", "--out", dir.file("x.h5")}), 2,
                    {"--resolution", "2", "4"});
  expect_error_line(run_mno({"eval", dir.path(), "--checkpoint", "newest"}), 2, {"--checkpoint", "newest"});
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(CliUsageErrors, EverySubcommandHasHelp) {
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{"train"}, {"eval"}, {"predict"}, {"demo"}, {"generate", "darcy"},
                                             {"generate", "swe"}, {"generate", "diffreact"}, {"data", "info"},
                                             {"data", "plot"}, {"bench", "scan"}, {"bench", "model"}, {"bench", "layer"},
                                             {"bench", "data"}, {"info", "model"}, {"check", "layers"}}) {
    std::vector<std::string> args = command;
    args.push_back("--help");
    const CliResult r = run_mno(args);
    EXPECT_EQ(r.exit_code, 0) << command.front() << ": " << r.output;
    EXPECT_TRUE(r.has("Usage")) << command.front() << ": " << r.output;
  }
}

// ---- configs -------------------------------------------------------------------------------

TEST(CliConfigErrors, AMisspeltKeyIsNamedFirstWithTheNearestKnownOne) {
  TempDir dir;
  const std::string good = read_text(source_dir() + "/configs/darcy/gt_mamba.yaml");
  std::string bad = good;
  bad.replace(bad.find("mixer:"), 6, "mixr:");
  const std::string path = dir.file("typo.yaml");
  std::ofstream(path) << bad;
  const CliResult r = run_mno({"train", "-c", path, "data.file=" + dir.file("none.h5"), "--runs-dir", dir.file("runs")});
  expect_error_line(r, 1, {"unknown key 'model.mixr'", "did you mean 'mixer'"});
  EXPECT_FALSE(fs::exists(dir.file("runs")));
}

// ---- runs ----------------------------------------------------------------------------------

TEST(CliRunErrors, ARunInUseIsRefusedAndAStaleLockIsTakenOver) {
  TempDir dir;
  const std::string run = dir.file("run");
  ASSERT_EQ(run_mno({"train", "-c", tiny_config(dir), "--out", run, "--stop-after-steps", "3", "--no-eval"}).exit_code, 130);
  std::ofstream(run + "/.lock") << getpid() << " " << host() << "\n";  // this test process: alive
  expect_error_line(run_mno({"train", "--resume", run, "--no-eval"}), 1,
                    {"is in use by process " + std::to_string(getpid()), ".lock"});
  expect_error_line(run_mno({"eval", run}), 1, {"is in use by process"});

  // A lock left by a process that no longer runs (a kill -9): reported, then taken over. The pid
  // is above Linux's largest (2^22), so no process can have it.
  std::ofstream(run + "/.lock", std::ios::trunc) << "999999999 " << host() << "\n";
  const CliResult resumed = run_mno({"train", "--resume", run, "--no-eval"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_TRUE(resumed.has("stale lock")) << resumed.output;
  EXPECT_FALSE(fs::exists(run + "/.lock"));
}

TEST(CliRunErrors, MissingAndHalfWrittenRunsAreNamed) {
  TempDir dir;
  expect_error_line(run_mno({"eval", dir.file("nowhere")}), 1, {"nowhere", "does not exist"});
  const std::string run = dir.file("run");
  ASSERT_EQ(run_mno({"train", "-c", tiny_config(dir), "--out", run, "train.epochs=1", "--no-eval"}).exit_code, 0);
  const std::string whole = read_text(run + "/checkpoints/last.pt");
  std::ofstream(run + "/checkpoints/last.pt", std::ios::trunc | std::ios::binary) << whole.substr(0, whole.size() / 2);
  expect_error_line(run_mno({"eval", run, "--checkpoint", "last"}), 1, {"last.pt", "not an mno checkpoint"});
}

// ---- data files ----------------------------------------------------------------------------

TEST(CliDataErrors, EmptyTruncatedAndNanFilesAreNamed) {
  TempDir dir;
  std::ofstream(dir.file("empty.h5")).flush();
  expect_error_line(run_mno({"data", "info", dir.file("empty.h5")}), 1, {"empty.h5"});
  const std::string good = read_text(source_dir() + "/tests/fixtures/pdebench_darcy.h5");
  std::ofstream(dir.file("cut.h5"), std::ios::binary) << good.substr(0, good.size() / 3);
  expect_error_line(run_mno({"data", "info", dir.file("cut.h5")}), 1, {"cut.h5"});
  expect_error_line(run_mno({"data", "info", source_dir() + "/tests/fixtures/bad_nan.h5"}), 1,
                    {"bad_nan.h5", "dataset 'nu': non-finite value nan in sample 1 "});  // the file's sample 1
}

}  // namespace
}  // namespace mno::cli::testing
