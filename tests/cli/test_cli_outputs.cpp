// The one output policy of every command that writes (core/output_policy.h), through the command
// line: an existing output is refused unless --overwrite; with it, the old output survives until
// the new one is complete; an input is never an output (compared by identity, not by its text);
// a directory where a file is expected, or a file where a directory is, is refused before any work.
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

std::string host() {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

void expect_error(const CliResult& r, std::initializer_list<std::string> parts) {
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.has("error: ")) << r.output;
  for (const auto& part : parts) EXPECT_TRUE(r.has(part)) << "missing: " << part << "\n" << r.output;
}

// A tiny GT run of one epoch on the 8 x 8 Darcy file `data`, evaluated (metrics.json, report.md).
std::string train_tiny(const TempDir& dir, const std::string& data, const std::string& name,
                       std::vector<std::string> extra = {}) {
  const std::string run = dir.file(name);
  std::vector<std::string> args{"--threads", "2", "train", "-c", train::testing::write_tiny_gt_config(dir.path(), data),
                                "--out", run, "train.epochs=1"};
  args.insert(args.end(), extra.begin(), extra.end());
  const CliResult t = run_mno(args);
  EXPECT_EQ(t.exit_code, 0) << t.output;
  return run;
}

// ---- eval --out ------------------------------------------------------------------------------

TEST(CliOutputs, EvalOutRefusesAnotherRunAnExistingReportAndARunInUse) {
  TempDir dir;
  const std::string data = train::testing::make_darcy(dir.path(), 24, 8);
  const std::string gt = train_tiny(dir, data, "gt");
  const std::string victim = train_tiny(dir, data, "victim", {"model.mixer.type=galerkin"});
  const std::string metrics = read_text(victim + "/metrics.json"), report = read_text(victim + "/report.md");

  // Another run is refused without --overwrite; its report stays its own.
  const CliResult refused = run_mno({"--threads", "2", "eval", gt, "--out", victim});
  expect_error(refused, {"--out '" + victim + "' is another run", "--overwrite"});
  EXPECT_EQ(read_text(victim + "/metrics.json"), metrics);
  EXPECT_EQ(read_text(victim + "/report.md"), report);

  // A run in use by another process (this test holds its lock) is refused even with --overwrite.
  std::ofstream(victim + "/.lock") << getpid() << " " << host() << "\n";
  const CliResult in_use = run_mno({"--threads", "2", "eval", gt, "--out", victim, "--overwrite"});
  expect_error(in_use, {"is in use by process " + std::to_string(getpid())});
  EXPECT_EQ(read_text(victim + "/metrics.json"), metrics);
  fs::remove(victim + "/.lock");

  // A plain report directory: written once, then refused, then replaced with --overwrite.
  const std::string out = dir.file("report");
  ASSERT_EQ(run_mno({"--threads", "2", "eval", gt, "--out", out}).exit_code, 0);
  const CliResult again = run_mno({"--threads", "2", "eval", gt, "--out", out});
  expect_error(again, {"--out '" + out + "' already holds '" + out + "/metrics.json'", "--overwrite"});
  EXPECT_EQ(run_mno({"--threads", "2", "eval", gt, "--out", out, "--overwrite"}).exit_code, 0);

  // A file where the report directory is expected: named before any work.
  const std::string file = dir.file("notes.txt");
  std::ofstream(file) << "mine";
  const CliResult on_file = run_mno({"--threads", "2", "eval", gt, "--out", file, "--overwrite"});
  expect_error(on_file, {"--out '" + file + "' is an existing file; expected a directory"});
  EXPECT_EQ(read_text(file), "mine");
}

// ---- train --overwrite -----------------------------------------------------------------------

TEST(CliOutputs, TrainOverwriteKeepsTheOldRunWhenTheNewOneFailsBeforeItsFirstCheckpoint) {
  TempDir dir;
  const std::string data = train::testing::make_darcy(dir.path(), 24, 8);
  const std::string keep = train_tiny(dir, data, "keep");
  const std::string config = read_text(keep + "/config.yaml"), checkpoint = read_text(keep + "/checkpoints/last.pt");
  // 8 spectral modes do not fit an 8 x 8 grid: the new run fails at its first step.
  const CliResult failed = run_mno({"--threads", "2", "train", "-c", dir.file("tiny.yaml"), "--out", keep,
                                    "--overwrite", "model.modes=8"});
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_TRUE(failed.has("the earlier run is back in '" + keep + "'")) << failed.output;
  EXPECT_EQ(read_text(keep + "/config.yaml"), config);
  EXPECT_EQ(read_text(keep + "/checkpoints/last.pt"), checkpoint);
  EXPECT_TRUE(fs::exists(keep + "/metrics.json"));
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".replaced."), std::string::npos) << e.path();
  // The run put back is not left locked: it resumes.
  EXPECT_FALSE(fs::exists(keep + "/.lock"));
}

TEST(CliOutputs, TrainOverwriteRefusesARunDirectoryHoldingItsDataOrConfig) {
  TempDir dir;
  const std::string own = dir.file("own");
  fs::create_directories(own);
  const std::string data = train::testing::make_darcy(own, 24, 8);  // own/darcy.h5
  const std::string run = train_tiny(dir, data, "own", {"--no-eval"});
  ASSERT_EQ(run, own);
  const std::string before = read_text(data);
  const CliResult refused = run_mno({"--threads", "2", "train", "-c", dir.file("tiny.yaml"), "--out", own,
                                     "--overwrite", "data.file=" + own + "/./darcy.h5"});
  expect_error(refused, {"--out '" + own + "' holds data.file '" + own + "/darcy.h5'"});
  EXPECT_EQ(read_text(data), before);
  EXPECT_TRUE(fs::exists(own + "/checkpoints/last.pt"));

  // The config file inside the run it would replace.
  fs::copy_file(dir.file("tiny.yaml"), own + "/mine.yaml");
  const CliResult config = run_mno({"--threads", "2", "train", "-c", own + "/mine.yaml", "--out", own, "--overwrite"});
  expect_error(config, {"holds -c '" + own + "/mine.yaml'"});
  EXPECT_TRUE(fs::exists(own + "/mine.yaml"));

  // A file where the run directory goes: named before any work.
  const std::string file = dir.file("file");
  std::ofstream(file) << "mine";
  const CliResult on_file = run_mno({"--threads", "2", "train", "-c", dir.file("tiny.yaml"), "--out", file});
  expect_error(on_file, {"--out '" + file + "' is an existing file; expected a directory"});
  EXPECT_EQ(read_text(file), "mine");
}

// ---- demo --out ------------------------------------------------------------------------------

TEST(CliOutputs, DemoReplacesOnlyWhatAnEarlierDemoWrote) {
  TempDir dir;
  const std::string demo = dir.file("demo");
  fs::create_directories(demo + "/predictions");
  std::ofstream(demo + "/.mno-demo") << "made by mno demo\n";  // an earlier demo's directory
  std::ofstream(demo + "/notes.md") << "my notes";
  std::ofstream(demo + "/predictions/p.h5") << "mine";
  std::ofstream(demo + "/report.md") << "the earlier demo's report";
  const CliResult d = run_mno({"--threads", "2", "demo", "--quick", "--out", demo});
  ASSERT_EQ(d.exit_code, 0) << d.output;
  EXPECT_EQ(read_text(demo + "/notes.md"), "my notes");
  EXPECT_EQ(read_text(demo + "/predictions/p.h5"), "mine");
  EXPECT_NE(read_text(demo + "/report.md").find("| GT + Mamba (MNO) |"), std::string::npos);

  // A directory that is not a demo's is refused; a file is named before any work.
  const std::string mine = dir.file("mine");
  fs::create_directories(mine);
  std::ofstream(mine + "/notes.md") << "my notes";
  expect_error(run_mno({"demo", "--quick", "--out", mine}), {"--out '" + mine + "' exists and is not an earlier demo's"});
  EXPECT_EQ(read_text(mine + "/notes.md"), "my notes");
  const std::string file = dir.file("file");
  std::ofstream(file) << "mine";
  expect_error(run_mno({"demo", "--quick", "--out", file}), {"--out '" + file + "' is an existing file; expected a directory"});
}

// ---- predict --out ---------------------------------------------------------------------------

TEST(CliOutputs, PredictRefusesItsInputByIdentityAndADirectoryBeforeAnyWork) {
  TempDir dir;
  const std::string data = train::testing::make_darcy(dir.path(), 24, 8);
  const std::string run = train_tiny(dir, data, "run", {"--no-eval"});
  const std::string before = read_text(data);
  CliOptions in_dir;
  in_dir.cwd = dir.path();
  // The same file under other names: "./darcy.h5" beside "darcy.h5", and a symbolic link.
  const CliResult dot = run_mno({"predict", run, "--input", "darcy.h5", "--out", "./darcy.h5", "--overwrite"}, in_dir);
  expect_error(dot, {"--out './darcy.h5' is the same as --input 'darcy.h5'"});
  fs::create_symlink(data, dir.file("link.h5"));
  const CliResult link = run_mno({"predict", run, "--input", data, "--out", dir.file("link.h5"), "--overwrite"});
  expect_error(link, {"is the same as --input"});
  EXPECT_EQ(read_text(data), before);
  // Nothing of the run, either.
  const CliResult into_run = run_mno({"predict", run, "--input", data, "--out", run + "/checkpoints/last.pt", "--overwrite"});
  expect_error(into_run, {"lies inside the run's checkpoints"});

  // An existing directory is refused before the prediction runs, naming it.
  fs::create_directories(dir.file("preds"));
  const CliResult on_dir = run_mno({"predict", run, "--input", data, "--out", dir.file("preds"), "--overwrite"});
  expect_error(on_dir, {"--out '" + dir.file("preds") + "' is an existing directory; expected a file"});
  EXPECT_FALSE(on_dir.has("predictions for")) << on_dir.output;
}

// ---- data plot --out -------------------------------------------------------------------------

TEST(CliOutputs, DataPlotRefusesADirectoryAnExistingFileAndItsInput) {
  TempDir dir;
  const std::string data = train::testing::make_darcy(dir.path(), 2, 8);
  const std::string before = read_text(data);
  fs::create_directories(dir.file("plots"));
  expect_error(run_mno({"data", "plot", data, "--sample", "0", "--out", dir.file("plots")}),
               {"--out '" + dir.file("plots") + "' is an existing directory; expected a file"});
  const std::string png = dir.file("a.png");
  std::ofstream(png) << "mine";
  expect_error(run_mno({"data", "plot", data, "--sample", "0", "--out", png}),
               {"--out '" + png + "' already exists", "--overwrite"});
  EXPECT_EQ(read_text(png), "mine");
  EXPECT_EQ(run_mno({"data", "plot", data, "--sample", "0", "--out", png, "--overwrite"}).exit_code, 0);
  EXPECT_NE(read_text(png), "mine");
  expect_error(run_mno({"data", "plot", data, "--sample", "0", "--out", data, "--overwrite"}),
               {"is the same as the input"});
  EXPECT_EQ(read_text(data), before);
}

// ---- bench -----------------------------------------------------------------------------------

TEST(CliOutputs, BenchJsonRefusesAnExistingFileOrADirectoryUnlessOverwrite) {
  TempDir dir;
  const std::string json = dir.file("scan.json");
  std::ofstream(json) << "mine";
  const CliResult refused = run_mno({"--threads", "2", "bench", "scan", "--quick", "--no-composed", "--json", json});
  expect_error(refused, {"--json '" + json + "' already exists", "--overwrite"});
  EXPECT_FALSE(refused.has("|---")) << "refused before measuring\n" << refused.output;
  EXPECT_EQ(read_text(json), "mine");
  fs::create_directories(dir.file("d"));
  expect_error(run_mno({"bench", "scan", "--quick", "--json", dir.file("d"), "--overwrite"}),
               {"--json '" + dir.file("d") + "' is an existing directory; expected a file"});
  const CliResult replaced =
      run_mno({"--threads", "2", "bench", "scan", "--quick", "--no-composed", "--json", json, "--overwrite"});
  EXPECT_EQ(replaced.exit_code, 0) << replaced.output;
  EXPECT_NE(read_text(json).find("\"rows\""), std::string::npos);
  // scaling --out: its files are refused when there, before measuring.
  fs::create_directories(dir.file("s"));
  std::ofstream(dir.file("s/scaling.csv")) << "mine";
  expect_error(run_mno({"bench", "scaling", "--quick", "--out", dir.file("s")}),
               {"--out '" + dir.file("s") + "' already holds '" + dir.file("s/scaling.csv") + "'"});
}

TEST(CliOutputs, BenchQuickFindsItsDefaultConfigsFromAnyDirectory) {
  TempDir dir;
  CliOptions elsewhere;
  elsewhere.cwd = dir.path();
  const CliResult scaling =
      run_mno({"--threads", "2", "bench", "scaling", "--quick", "--sides", "8", "--out", "s"}, elsewhere);
  ASSERT_EQ(scaling.exit_code, 0) << scaling.output;
  EXPECT_TRUE(scaling.has("| fno | fno | 8 | 64 | 1 |")) << scaling.output;
  EXPECT_TRUE(fs::exists(dir.file("s/scaling.csv")));
  // bench model checks its configs before the device and precision: bf16 on the CPU is refused
  // only once all nine default configs were found (measuring them would take a minute).
  const CliResult model = run_mno({"bench", "model", "--quick", "--precision", "bf16"}, elsewhere);
  expect_error(model, {"--precision bf16 needs --device cuda"});
  EXPECT_FALSE(model.has("does not exist")) << model.output;
}

// ---- analyze ---------------------------------------------------------------------------------

TEST(CliOutputs, AnalyzeRefusesItsEarlierFilesUnlessOverwrite) {
  TempDir dir;
  const std::string out = dir.file("a");
  ASSERT_EQ(run_mno({"analyze", "discretization", "--out", out}).exit_code, 0);
  const std::string csv = read_text(out + "/discretization.csv");
  expect_error(run_mno({"analyze", "discretization", "--steps", "0.5,0.25", "--out", out}),
               {"--out '" + out + "' already holds '" + out + "/discretization.png'", "--overwrite"});
  EXPECT_EQ(read_text(out + "/discretization.csv"), csv);
  EXPECT_EQ(run_mno({"analyze", "discretization", "--steps", "0.5,0.25", "--out", out, "--overwrite"}).exit_code, 0);
  EXPECT_NE(read_text(out + "/discretization.csv"), csv);
  const std::string file = dir.file("file");
  std::ofstream(file) << "mine";
  expect_error(run_mno({"analyze", "hippo", "--measure", "legs", "--n", "4", "--out", file}),
               {"--out '" + file + "' is an existing file; expected a directory"});
}

}  // namespace
}  // namespace mno::cli::testing
