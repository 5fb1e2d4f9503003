// `mno analyze compare` through the command line (docs/results.md): two trained runs side by side
// give a table whose numbers are the runs' own evaluations, a heatmap row and, on time-dependent
// data, the error against time; a run that cannot be evaluated is a row saying why; each bad
// argument is one clear error.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"
#include "train/train_test_support.h"

namespace mno::cli::testing {
namespace {

using data::testing::TempDir;
namespace fs = std::filesystem;

bool non_empty(const std::string& path) { return fs::exists(path) && fs::file_size(path) > 0; }

// The tiny GT of the train tests (1 epoch) as a config file; `time_dependent`: on a file of 5 frames,
// 2 given and 3 predicted.
std::string tiny_config(const TempDir& dir, const std::string& name, const std::string& data_file,
                        const std::string& mixer, bool time_dependent = false) {
  const Config config = train::testing::tiny_gt_config(data_file, mixer);
  YAML::Node root = config.root().yaml();  // a handle: edits go into the config
  root.remove("name");
  root["train"]["epochs"] = 1;
  if (time_dependent) {
    root["model"]["in_channels"] = 2;
    root["model"]["out_channels"] = 3;
    root["data"]["input_frames"] = 2;
  }
  const std::string path = dir.file(name + ".yaml");
  std::ofstream(path) << config.dump_as_given();
  return path;
}

std::string train_run(const TempDir& dir, const std::string& name, const std::string& data_file,
                      const std::string& mixer, bool time_dependent = false) {
  const std::string run = dir.file(name);
  const CliResult t = run_mno({"--threads", "2", "train", "-c", tiny_config(dir, name, data_file, mixer, time_dependent),
                               "--out", run});
  EXPECT_EQ(t.exit_code, 0) << t.output;
  return run;
}

// compare.csv as rows of cells keyed by its header (no quoted commas in these tests).
std::vector<std::map<std::string, std::string>> read_csv(const std::string& path) {
  std::istringstream in(read_text(path));
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::istringstream h(line);
    for (std::string cell; std::getline(h, cell, ',');) header.push_back(cell);
  }
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    std::istringstream r(line);
    std::map<std::string, std::string> row;
    size_t i = 0;
    for (std::string cell; std::getline(r, cell, ',') && i < header.size(); ++i) row[header[i]] = cell;
    rows.push_back(row);
  }
  return rows;
}

TEST(CliCompare, TwoRunsSideBySideCarryTheirOwnEvaluationsAndAHeatmapRow) {
  TempDir dir;
  const std::string data = train::testing::make_darcy(dir.path(), 24, 8);
  const std::string mamba = train_run(dir, "mamba", data, "mamba"), galerkin = train_run(dir, "galerkin", data, "galerkin");

  const CliResult c = run_mno({"--threads", "2", "analyze", "compare", mamba, galerkin, "--labels", "MNO,Galerkin",
                               "--out", dir.file("cmp")});
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_TRUE(c.has("| MNO | ")) << c.output;
  EXPECT_TRUE(c.has("| Galerkin | ")) << c.output;
  EXPECT_NE(read_text(dir.file("cmp/compare.md")).find("| Galerkin | "), std::string::npos);
  EXPECT_TRUE(non_empty(dir.file("cmp/heatmaps.png")));
  EXPECT_FALSE(fs::exists(dir.file("cmp/along_time.png"))) << "steady data has no time axis";

  const auto rows = read_csv(dir.file("cmp/compare.csv"));
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& [row, run] : {std::pair{rows[0], mamba}, std::pair{rows[1], galerkin}}) {
    // The same numbers as the run's own evaluation (mno train evaluated it into metrics.json).
    const auto metrics = nlohmann::json::parse(read_text(run + "/metrics.json"));
    EXPECT_NEAR(std::stod(row.at("nrmse")), metrics["standard"]["nrmse"].get<double>(), 1e-6) << run;
    EXPECT_NEAR(std::stod(row.at("paper_nrmse")), metrics["paper"]["nrmse"].get<double>(), 1e-6) << run;
    // 24 samples, the first 10% (3) for testing, batch 4 with drop_last: 5 steps in the one epoch.
    EXPECT_EQ(row.at("steps"), "5") << run;
    EXPECT_GT(std::stod(row.at("ms_per_step")), 0.0) << run;
    EXPECT_NEAR(std::stod(row.at("seconds_per_epoch")), 5 * std::stod(row.at("ms_per_step")) / 1e3, 1e-3) << run;
    EXPECT_TRUE(non_empty(dir.file("cmp/" + row.at("run") + "/report.md"))) << "each run's own report";
  }
  EXPECT_NE(rows[0].at("parameters"), rows[1].at("parameters")) << "the S6 and Galerkin mixers differ in size";
}

// --group: the runs given one label (seeds of one setting) are one row, the mean of their numbers
// and ± half the range of nRMSE and RL2; a label of one run stays a plain row.
TEST(CliCompare, GroupedSeedsAreOneRowWithTheirMeanAndHalfRange) {
  TempDir dir;
  const std::string data = train::testing::make_darcy(dir.path(), 24, 8);
  const std::string seed0 = train_run(dir, "mamba0", data, "mamba");
  const std::string seed1 = dir.file("mamba1");
  const CliResult t = run_mno({"--threads", "2", "train", "-c", tiny_config(dir, "mamba1", data, "mamba"), "train.seed=1",
                               "--out", seed1});
  ASSERT_EQ(t.exit_code, 0) << t.output;
  const std::string galerkin = train_run(dir, "galerkin", data, "galerkin");

  const CliResult c = run_mno({"--threads", "2", "analyze", "compare", seed0, galerkin, seed1, "--labels",
                               "MNO,Galerkin,MNO", "--group", "--out", dir.file("cmp")});
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_TRUE(c.has("(2 runs) |")) << c.output;
  EXPECT_TRUE(c.has("--group")) << "the note under the table says what a grouped row is\n" << c.output;
  const auto rows = read_csv(dir.file("cmp/compare.csv"));
  ASSERT_EQ(rows.size(), 2u) << read_text(dir.file("cmp/compare.csv"));
  EXPECT_EQ(rows[0].at("run"), "MNO");
  EXPECT_EQ(rows[0].at("runs"), "2");
  EXPECT_EQ(rows[1].at("runs"), "1");
  const auto nrmse = [](const std::string& run) {
    return nlohmann::json::parse(read_text(run + "/metrics.json"))["standard"]["nrmse"].get<double>();
  };
  const double a = nrmse(seed0), b = nrmse(seed1);
  ASSERT_NE(a, b) << "two seeds, two models";
  EXPECT_NEAR(std::stod(rows[0].at("nrmse")), (a + b) / 2, 1e-6 * a);
  EXPECT_NEAR(std::stod(rows[0].at("nrmse_half_range")), std::abs(a - b) / 2, 1e-6 * a);
  EXPECT_NEAR(std::stod(rows[1].at("nrmse")), nrmse(galerkin), 1e-6);
  EXPECT_EQ(rows[1].at("nrmse_half_range"), "") << "one run has no spread";
}

TEST(CliCompare, OlderMetricsFilesAreReadThroughTheirModelLineAndLog) {
  TempDir dir;
  const std::string run = train_run(dir, "mamba", train::testing::make_darcy(dir.path(), 24, 8), "mamba");
  const CliResult now = run_mno({"--threads", "2", "analyze", "compare", run, "--out", dir.file("now")});
  ASSERT_EQ(now.exit_code, 0) << now.output;
  const auto fresh = read_csv(dir.file("now/compare.csv")).at(0);
  EXPECT_EQ(fresh.at("seconds_per_epoch").empty(), false);

  // metrics.json as mno wrote it before it recorded parameters, steps, time and epoch length.
  auto metrics = nlohmann::json::parse(read_text(run + "/metrics.json"));
  for (const char* key : {"parameters", "steps", "steps_per_epoch", "train_seconds"}) {
    ASSERT_TRUE(metrics.contains(key)) << key;
    metrics.erase(key);
  }
  std::ofstream(run + "/metrics.json") << metrics.dump(2);
  fs::remove_all(run + "/checkpoints");  // and brought back without its checkpoints
  const CliResult old = run_mno({"--threads", "2", "analyze", "compare", run, "--out", dir.file("old")});
  ASSERT_EQ(old.exit_code, 0) << old.output;
  EXPECT_TRUE(old.has("no heatmaps.png: mamba has no checkpoints/ to predict with")) << old.output;
  const auto row = read_csv(dir.file("old/compare.csv")).at(0);
  EXPECT_EQ(row.at("parameters"), fresh.at("parameters"));  // from "with N trainable parameters"
  EXPECT_EQ(row.at("steps"), "5");                          // from log.csv
  // log.csv keeps the seconds to 1 ms: over 5 steps that is 0.1 ms a step.
  EXPECT_NEAR(std::stod(row.at("ms_per_step")), std::stod(fresh.at("ms_per_step")), 0.11);
  EXPECT_EQ(row.at("seconds_per_epoch"), "") << "one epoch in the log: its length is not known";
  EXPECT_EQ(row.at("nrmse"), fresh.at("nrmse"));
}

TEST(CliCompare, TimeDependentRunsGetTheErrorAgainstTime) {
  TempDir dir;
  const std::string data = dir.file("swe.h5");
  const CliResult g = run_mno({"generate", "swe", "--samples", "10", "--resolution", "16", "--frames", "5", "--out", data});
  ASSERT_EQ(g.exit_code, 0) << g.output;
  const std::string run = train_run(dir, "swe_mamba", data, "mamba", true);
  const CliResult c = run_mno({"--threads", "2", "analyze", "compare", run, "--out", dir.file("cmp")});
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_TRUE(c.has("| swe_mamba | ")) << c.output;  // labelled by its directory
  EXPECT_TRUE(non_empty(dir.file("cmp/along_time.png")));
  EXPECT_TRUE(non_empty(dir.file("cmp/heatmaps.png")));
}

TEST(CliCompare, ARunWithoutMetricsIsARowSayingWhy) {
  TempDir dir;
  const std::string data = train::testing::make_darcy(dir.path(), 24, 8);
  const std::string run = train_run(dir, "mamba", data, "mamba");
  fs::create_directories(dir.file("empty"));
  const CliResult c = run_mno({"--threads", "2", "analyze", "compare", run, dir.file("empty"), "--out", dir.file("cmp")});
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_TRUE(c.has("| empty | | | | | not evaluated: no metrics.json: train the run to its end or `mno eval` it first |"))
      << c.output;
  EXPECT_TRUE(c.has("no heatmaps.png: empty has no checkpoints/ to predict with")) << c.output;
  const auto rows = read_csv(dir.file("cmp/compare.csv"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(std::isfinite(std::stod(rows[0].at("nrmse"))));
  EXPECT_EQ(rows[1].at("nrmse"), "");

  // A sample beyond those kept for plots leaves the table and drops only the heatmaps, saying why.
  const CliResult far = run_mno({"--threads", "2", "analyze", "compare", run, "--sample", "5", "--out", dir.file("far")});
  ASSERT_EQ(far.exit_code, 0) << far.output;
  EXPECT_TRUE(far.has("no heatmaps.png: mamba kept 1 test sample(s) for plots (train.plot_samples), --sample 5 needs 6"))
      << far.output;
  EXPECT_FALSE(fs::exists(dir.file("far/heatmaps.png")));
  EXPECT_TRUE(non_empty(dir.file("far/compare.md")));
}

// One table ranks runs by their errors: runs of another PDE (or data file) are refused, naming both.
TEST(CliCompare, RunsOfDifferentDatasetsAreRefusedNamingBoth) {
  TempDir dir;
  const std::string darcy = train_run(dir, "darcy_mamba", train::testing::make_darcy(dir.path(), 24, 8), "mamba");
  const std::string swe_file = dir.file("swe.h5");
  const CliResult g =
      run_mno({"generate", "swe", "--samples", "10", "--resolution", "16", "--frames", "5", "--out", swe_file});
  ASSERT_EQ(g.exit_code, 0) << g.output;
  const std::string swe = train_run(dir, "swe_mamba", swe_file, "mamba", true);
  const CliResult c = run_mno({"--threads", "2", "analyze", "compare", darcy, swe, "--out", dir.file("cmp")});
  EXPECT_EQ(c.exit_code, 1) << c.output;
  EXPECT_TRUE(c.has("error: analyze compare: the runs are not of one dataset")) << c.output;
  EXPECT_TRUE(c.has("'" + darcy + "' was evaluated on darcy.h5 (darcy), '" + swe + "' on swe.h5 (swe)")) << c.output;
  EXPECT_FALSE(fs::exists(dir.file("cmp"))) << "nothing written";
}

TEST(CliCompare, BadArgumentsAreNamed) {
  TempDir dir;
  fs::create_directories(dir.file("a"));
  fs::create_directories(dir.file("b"));
  // exit 1: what the arguments name is wrong; 2: the flags themselves (a usage error).
  const auto error = [&](const std::vector<std::string>& args, const std::string& message, int exit_code = 2) {
    std::vector<std::string> full{"analyze", "compare"};
    full.insert(full.end(), args.begin(), args.end());
    full.insert(full.end(), {"--out", dir.file("cmp")});
    const CliResult r = run_mno(full);
    EXPECT_EQ(r.exit_code, exit_code) << r.output;
    EXPECT_TRUE(r.has("error: analyze compare: " + message)) << r.output;
    EXPECT_FALSE(fs::exists(dir.file("cmp"))) << "nothing written before the arguments are checked";
  };
  error({dir.file("missing")}, "run directory '" + dir.file("missing") + "' does not exist", 1);
  error({dir.file("a"), dir.file("b"), "--labels", "x"}, "--labels: expected one label per run (2), found 1");
  error({dir.file("a"), dir.file("b"), "--labels", "x,x"}, "two runs have the label 'x': give each its own (--labels), or --group");
  error({dir.file("a"), dir.file("b"), "--heatmap", "c"}, "--heatmap: 'c' is not the label of a run (labels: a, b)");
  error({dir.file("a"), "--sample", "-1"}, "--sample must be at least 0, found -1");
}

}  // namespace
}  // namespace mno::cli::testing
