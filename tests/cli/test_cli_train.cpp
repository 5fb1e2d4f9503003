// Training, evaluation and prediction through the command line, as a user runs them: the quick
// demo end to end, eval and predict on the runs it made, a stopped run resumed from its
// directory alone, and the errors a user meets first.
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"
#include "mno/data/pdebench_reader.h"
#include "train/train_test_support.h"

namespace mno::cli::testing {
namespace {

using data::testing::TempDir;

std::string generate_darcy(const TempDir& dir) {
  const std::string file = dir.file("darcy.h5");
  const CliResult g = run_mno({"generate", "darcy", "--samples", "24", "--resolution", "8", "--out", file});
  EXPECT_EQ(g.exit_code, 0) << g.output;
  return file;
}

TEST(CliTrain, QuickDemoThenEvalAndPredictOnItsRuns) {
  TempDir dir;
  const std::string demo = dir.file("demo");
  const CliResult d = run_mno({"--threads", "2", "demo", "--quick", "--out", demo});
  ASSERT_EQ(d.exit_code, 0) << d.output;
  EXPECT_TRUE(d.has("| GT + Mamba (MNO) |")) << d.output;
  EXPECT_TRUE(d.has("| GT + Galerkin attention |")) << d.output;
  EXPECT_NE(read_text(demo + "/report.md").find("| GT + Mamba (MNO) |"), std::string::npos);

  const CliResult e = run_mno({"eval", demo + "/gt_mamba", "--checkpoint", "best"});
  ASSERT_EQ(e.exit_code, 0) << e.output;
  EXPECT_TRUE(e.has("| " + demo + "/gt_mamba | ")) << e.output;
  const auto metrics = nlohmann::json::parse(read_text(demo + "/gt_mamba/metrics.json"));
  EXPECT_TRUE(std::isfinite(metrics["standard"]["nrmse"].get<double>()));
  EXPECT_NE(metrics["model"].get<std::string>().find("checkpoint `best`"), std::string::npos) << metrics.dump();

  const CliResult p = run_mno({"predict", demo + "/gt_galerkin", "--input", demo + "/darcy.h5", "--out", dir.file("pred.h5")});
  ASSERT_EQ(p.exit_code, 0) << p.output;
  const data::PdebenchReader reader(dir.file("pred.h5"));
  EXPECT_EQ(reader.info().samples, 64u);
  EXPECT_EQ(reader.info().nx, 16u);
}

TEST(CliTrain, AStoppedRunResumesFromItsDirectoryAlone) {
  TempDir dir;
  const std::string config = train::testing::write_tiny_gt_config(dir.path(), generate_darcy(dir));
  const std::string run = dir.file("run");
  const CliResult stopped = run_mno({"--threads", "1", "train", "-c", config, "--out", run, "--stop-after-steps", "7"});
  EXPECT_EQ(stopped.exit_code, 130) << stopped.output;
  EXPECT_TRUE(stopped.has("continue with: mno train --resume " + run)) << stopped.output;

  const CliResult resumed = run_mno({"--threads", "1", "train", "--resume", run});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_TRUE(resumed.has("| " + run + " | ")) << resumed.output;
  const std::string log = read_text(run + "/log.csv");
  EXPECT_NE(log.find("\n3,15,"), std::string::npos) << log;  // epoch 3 ends at step 15: 22 samples / batch 4
}

TEST(CliTrain, WithoutAConfigOrRunIsAUsageError) {
  const CliResult r = run_mno({"train"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(r.has("error: mno train: give either -c CONFIG or --resume RUN_DIR")) << r.output;
}

TEST(CliTrain, AMissingDataFileIsNamedAndNothingIsWritten) {
  TempDir dir;
  const CliResult r = run_mno({"train", "-c", "configs/darcy/gt_mamba.yaml", "data.file=" + dir.file("none.h5"),
                               "--runs-dir", dir.file("runs")});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.has("none.h5")) << r.output;
  EXPECT_TRUE(r.has("does not exist")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("runs")));
}

TEST(CliTrain, EvalOfADirectoryThatIsNotARunIsNamed) {
  const CliResult r = run_mno({"eval", "configs"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.has("error: 'configs' is not a run directory")) << r.output;
}

}  // namespace
}  // namespace mno::cli::testing
