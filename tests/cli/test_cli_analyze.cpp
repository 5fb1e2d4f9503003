// `mno analyze` through the command line: each sub-command writes its PNG and CSV, on a trained
// S6 and S4D run too, and each bad input is one clear error.
#include <filesystem>

#include <gtest/gtest.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"
#include "train/train_test_support.h"

namespace mno::cli::testing {
namespace {

using data::testing::TempDir;
namespace fs = std::filesystem;

bool non_empty(const std::string& path) { return fs::exists(path) && fs::file_size(path) > 0; }

TEST(CliAnalyze, DiscretizationWritesItsPlotAndTheObservedOrders) {
  TempDir dir;
  const CliResult r = run_mno({"analyze", "discretization", "--out", dir.file("a")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(non_empty(dir.file("a/discretization.png")));
  const std::string csv = read_text(dir.file("a/discretization.csv"));
  EXPECT_NE(csv.find("held,zoh,0.5,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",exact\n"), std::string::npos) << csv;  // ZOH on held inputs
  EXPECT_TRUE(r.has("euler (held input): observed order 1.")) << r.output;
  EXPECT_TRUE(r.has("bilinear (held input): observed order 2.")) << r.output;
}

TEST(CliAnalyze, DiscretizationRejectsANonPositiveStep) {
  TempDir dir;
  const CliResult r = run_mno({"analyze", "discretization", "--steps", "0.5,-0.25", "--out", dir.file("a")});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.has("error: analyze discretization: the step Δ must be positive and finite, found -0.25")) << r.output;
  EXPECT_FALSE(fs::exists(dir.file("a")));
}

TEST(CliAnalyze, HippoWritesTheReconstructionForEachMeasure) {
  TempDir dir;
  for (const char* measure : {"legs", "legt", "lagt"}) {
    const CliResult r = run_mno({"analyze", "hippo", "--measure", measure, "--n", "16", "--out", dir.path()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(non_empty(dir.file(std::string("hippo_") + measure + "_N16.png"))) << measure;
    EXPECT_NE(read_text(dir.file(std::string("hippo_") + measure + "_N16.csv")).find("s,signal,reconstruction\n"), std::string::npos);
  }
}

// Flags out of their range or choices: usage errors (exit 2) naming the flag and the value.
TEST(CliAnalyze, HippoBadInputsAreNamed) {
  TempDir dir;
  const CliResult zero = run_mno({"analyze", "hippo", "--measure", "legs", "--n", "0", "--out", dir.path()});
  EXPECT_EQ(zero.exit_code, 2) << zero.output;
  EXPECT_TRUE(zero.has("error: --n: Value 0 not in range 1 to 4096")) << zero.output;
  const CliResult unknown = run_mno({"analyze", "hippo", "--measure", "fourier", "--n", "8", "--out", dir.path()});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_TRUE(unknown.has("error: --measure: fourier not in {legs,legt,lagt}")) << unknown.output;
  EXPECT_TRUE(fs::is_empty(dir.path()));
  const CliResult missing = run_mno({"analyze", "hippo", "--n", "8"});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_TRUE(missing.has("--measure")) << missing.output;
}

// One tiny run per mixer, trained for one epoch on a generated 8 × 8 Darcy file.
std::string train_tiny(const TempDir& dir, const std::string& data, const std::string& mixer) {
  const std::string config = train::testing::write_tiny_gt_config(dir.path(), data);
  const std::string run = dir.file("run_" + mixer);
  const CliResult t = run_mno({"--threads", "2", "train", "-c", config, "--out", run, "train.epochs=1",
                               "model.mixer.type=" + mixer});
  EXPECT_EQ(t.exit_code, 0) << t.output;
  return run;
}

TEST(CliAnalyze, SsmOfS6AndS4dRunsAndTheErrorForARunWithoutSsmLayers) {
  TempDir dir;
  const std::string data = train::testing::make_darcy(dir.path());
  for (const char* mixer : {"mamba", "s4d"}) {
    const std::string run = train_tiny(dir, data, mixer);
    const CliResult r = run_mno({"analyze", "ssm", run, "--samples", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(non_empty(run + "/analysis/ssm_response.png")) << mixer;
    EXPECT_TRUE(non_empty(run + "/analysis/energy_spectrum.png")) << mixer;
    const std::string csv = read_text(run + "/analysis/ssm_response.csv");
    EXPECT_NE(csv.find(std::string(mixer) == "mamba" ? ",s6,1," : ",s4d,1,"), std::string::npos) << csv.substr(0, 300);
  }
  const std::string galerkin = train_tiny(dir, data, "galerkin");
  const CliResult bad = run_mno({"analyze", "ssm", galerkin, "--out", dir.file("out")});
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_TRUE(bad.has("error: analyze ssm: the run '" + galerkin + "' has no SSM layers")) << bad.output;
  EXPECT_TRUE(bad.has("expected a run whose mixer is mamba, mamba4, s4 or s4d")) << bad.output;
  EXPECT_FALSE(fs::exists(dir.file("out/ssm_response.csv")));
}

TEST(CliAnalyze, SsmOfADirectoryThatIsNotARunIsAnError) {
  TempDir dir;
  const CliResult r = run_mno({"analyze", "ssm", dir.path()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.has("error: ")) << r.output;
}

TEST(CliBenchSsm, QuickPrintsBothTables) {
  const CliResult r = run_mno({"--threads", "2", "bench", "ssm", "--quick"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("mno bench ssm --device cpu --quick")) << r.output;
  EXPECT_TRUE(r.has("| 4 | 16 | 256 |")) << r.output;
  EXPECT_TRUE(r.has("| 1 × 4 | 16 | 64 |")) << r.output;
}

}  // namespace
}  // namespace mno::cli::testing
