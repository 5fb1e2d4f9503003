// Zero-shot evaluation at another resolution through the command line (docs/scaling.md): a run
// trained at 16 × 16 evaluated at 8 × 8 (--stride, or another file) and the reasons a run or grid
// is refused: per-point normalisers, a grid too small for the spectral layers.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"
#include "train/train_test_support.h"

namespace mno::cli::testing {
namespace {

using data::testing::TempDir;

// The tiny GT of the train tests, trained for one epoch at a declared resolution of 16 with the
// given input normalisation.
std::string tiny_config(const TempDir& dir, const std::string& name, const std::string& data_file,
                        const std::string& normalise) {
  const Config config = train::testing::tiny_gt_config(data_file);
  YAML::Node root = config.root().yaml();  // a handle: edits go into the config
  root.remove("name");
  root["data"]["resolution"] = 16;
  root["data"]["normalise_inputs"] = normalise;
  root["train"]["epochs"] = 1;
  const std::string path = dir.file(name + ".yaml");
  std::ofstream(path) << config.dump_as_given();
  return path;
}

std::string train_run(const TempDir& dir, const std::string& name, const std::string& data_file,
                      const std::string& normalise) {
  const std::string run = dir.file(name);
  const CliResult t = run_mno({"--threads", "2", "train", "-c", tiny_config(dir, name, data_file, normalise), "--out", run});
  EXPECT_EQ(t.exit_code, 0) << t.output;
  return run;
}

double nrmse_in(const std::string& metrics_json) {
  return nlohmann::json::parse(read_text(metrics_json))["standard"]["nrmse"].get<double>();
}

TEST(CliResolution, ARunTrainedAt16IsEvaluatedAt8ByStrideAndByAnotherFile) {
  TempDir dir, coarse;
  const std::string fine = train::testing::make_darcy(dir.path(), 24, 16);
  const std::string run = train_run(dir, "run", fine, "scalar_gaussian");

  const CliResult s = run_mno({"--threads", "2", "eval", run, "--stride", "2", "--out", dir.file("at8")});
  ASSERT_EQ(s.exit_code, 0) << s.output;
  EXPECT_TRUE(s.has("zero-shot at another resolution: trained at 16x16, evaluated at 8x8")) << s.output;
  EXPECT_TRUE(std::isfinite(nrmse_in(dir.file("at8/metrics.json"))));
  EXPECT_NE(read_text(dir.file("at8/report.md")).find("8x8"), std::string::npos) << read_text(dir.file("at8/report.md"));

  const std::string file8 = train::testing::make_darcy(coarse.path(), 24, 8);
  const CliResult f = run_mno({"--threads", "2", "eval", run, "--data", file8, "--out", dir.file("file8")});
  ASSERT_EQ(f.exit_code, 0) << f.output;
  EXPECT_TRUE(f.has("evaluated at 8x8")) << f.output;
  EXPECT_TRUE(std::isfinite(nrmse_in(dir.file("file8/metrics.json"))));

  // predict takes the other resolution too, and writes it at that resolution.
  const CliResult p = run_mno({"--threads", "2", "predict", run, "--input", file8, "--out", dir.file("pred8.h5")});
  ASSERT_EQ(p.exit_code, 0) << p.output;

  // Without an override the run's own resolution holds, and its own report is where it was.
  const CliResult own = run_mno({"--threads", "2", "eval", run});
  ASSERT_EQ(own.exit_code, 0) << own.output;
  EXPECT_FALSE(own.has("zero-shot")) << own.output;
  EXPECT_TRUE(std::isfinite(nrmse_in(run + "/metrics.json")));
}

TEST(CliResolution, AGridTooSmallForTheSpectralLayersIsNamed) {
  TempDir dir;
  const std::string run = train_run(dir, "run", train::testing::make_darcy(dir.path(), 24, 16), "scalar_gaussian");
  const CliResult r = run_mno({"--threads", "2", "eval", run, "--stride", "8", "--out", dir.file("at2")});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.has("SpectralConv2d: grid")) << r.output;
  EXPECT_TRUE(r.has("H >= 2·modes1 = 4")) << r.output;
}

TEST(CliResolution, AnalyzeResolutionTabulatesEveryStrideAndSaysWhichGridWasRefused) {
  TempDir dir;
  const std::string fine = train::testing::make_darcy(dir.path(), 24, 16);
  const std::string run = train_run(dir, "run", fine, "scalar_gaussian");
  const CliResult r = run_mno({"--threads", "2", "analyze", "resolution", run, "--data", fine, "--strides", "2,1,8",
                               "--out", dir.file("res")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("| run | 8x8 (stride 2) | 16x16 (stride 1) | 2x2 (stride 8) |")) << r.output;
  EXPECT_TRUE(r.has(" refused¹ |")) << r.output;
  EXPECT_TRUE(r.has("at stride 8: SpectralConv2d: grid")) << r.output;
  const std::string csv = read_text(dir.file("res/resolution.csv"));
  EXPECT_NE(csv.find(",1,16,16,"), std::string::npos) << csv;
  EXPECT_TRUE(std::filesystem::exists(dir.file("res/resolution.png")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("res/run/stride2/metrics.json")));
  // The zero-shot cell at stride 1 is the run's own evaluation: the same numbers.
  EXPECT_NEAR(nrmse_in(dir.file("res/run/stride1/metrics.json")), nrmse_in(run + "/metrics.json"), 1e-9);

  const CliResult bad = run_mno({"analyze", "resolution", run, "--data", fine, "--strides", "3"});
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_TRUE(bad.has("--strides: 3 does not divide the 16x16 grid of " + fine)) << bad.output;
}

TEST(CliResolution, PerPointNormalisersAreRefusedAtAnotherResolution) {
  TempDir dir, coarse;
  const std::string run = train_run(dir, "run", train::testing::make_darcy(dir.path(), 24, 16), "per_point_gaussian");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"eval", run, "--stride", "2", "--out", dir.file("at8")},
           {"predict", run, "--input", train::testing::make_darcy(coarse.path(), 24, 8), "--out", dir.file("p.h5")}}) {
    const CliResult r = run_mno(args);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(r.has("data.normalise_inputs: per_point_gaussian statistics are per grid point and were fitted on a "
                      "16x16 grid"))
        << r.output;
    EXPECT_TRUE(r.has("gives 8x8 points")) << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("p.h5")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("at8/metrics.json")));
  const CliResult bad = run_mno({"eval", run, "--stride", "0"});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;  // a usage error
  EXPECT_TRUE(bad.has("--stride")) << bad.output;
}

}  // namespace
}  // namespace mno::cli::testing
