// Point clouds through the command line (docs/irregular.md), as a user runs them: `mno generate
// darcy --points` writes a point-cloud file, `mno data info` / `data plot` read it, and the
// shipped configs/darcy_points/ configs train, evaluate and predict on it (sizes overridden to
// tiny); what cannot take scattered points says so.
#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"
#include "mno/data/hdf5_file.h"
#include "mno/data/pdebench_reader.h"

namespace mno::cli::testing {
namespace {

namespace fs = std::filesystem;
using data::testing::TempDir;

std::string generate_points(const std::string& file, int samples, const std::string& layout,
                            const std::string& density = "uniform", int points = 96) {
  const CliResult g = run_mno({"generate", "darcy", "--samples", std::to_string(samples), "--resolution", "16",
                               "--points", std::to_string(points), "--layout", layout, "--density", density,
                               "--seed", "3", "--out", file});
  EXPECT_EQ(g.exit_code, 0) << g.output;
  return file;
}

CliResult train_points(const std::string& config, const std::string& data_file, const std::string& run,
                       std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--threads", "2", "train", "-c", source_dir() + "/configs/darcy_points/" + config,
                                "data.file=" + data_file, "model.width=16", "model.layers=1", "train.device=cpu",
                                "train.epochs=1", "train.batch_size=4", "train.eval_batch_size=3",
                                "train.plot_samples=1", "--out", run};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_mno(args);
}

torch::Tensor positions_of(const std::string& file, size_t first, size_t count) {
  const data::FloatArray p = data::PdebenchReader(file).read_positions(first, count);
  std::vector<int64_t> shape(p.shape.begin(), p.shape.end());
  return torch::tensor(p.values).reshape(shape);
}

TEST(CliPoints, GeneratedFilesHoldTheirPointsAndDataCommandsReadThem) {
  TempDir dir;
  const std::string per_sample = generate_points(dir.file("per.h5"), 6, "per-sample", "clustered");
  const std::string shared = generate_points(dir.file("shared.h5"), 6, "shared");
  const data::PdebenchReader a(per_sample), b(shared);
  EXPECT_TRUE(a.info().point_cloud && a.info().per_sample_positions);
  EXPECT_TRUE(b.info().point_cloud && !b.info().per_sample_positions);
  EXPECT_EQ(a.info().nx, 96u);
  EXPECT_EQ(a.info().ny, 1u);
  // Each sample its own points, or one mesh.
  EXPECT_FALSE(torch::equal(positions_of(per_sample, 0, 1), positions_of(per_sample, 1, 1)));
  EXPECT_EQ(positions_of(shared, 0, 1).sizes(), (std::vector<int64_t>{1, 96, 2}));
  // Within 0.05 of a wall: uniform points 1 − 0.9² = 19 %; clustered ones (half of them in the
  // band, |N(0, 0.08)| < 0.05 for 47 % of those) about 38 %.
  const auto near_wall = [](const torch::Tensor& p) {
    return (torch::minimum(p, 1 - p).amin(-1) < 0.05).to(torch::kDouble).mean().item<double>();
  };
  EXPECT_GT(near_wall(positions_of(per_sample, 0, 6)), 0.3);
  EXPECT_LT(near_wall(positions_of(shared, 0, 1)), 0.27);

  const CliResult info = run_mno({"data", "info", per_sample});
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_TRUE(info.has("point cloud: nu [6,96,1], tensor [6,1,96,1], positions [6,96,2]")) << info.output;
  EXPECT_TRUE(info.has("96 scattered (each sample its own)")) << info.output;
  const CliResult plot = run_mno({"data", "plot", shared, "--sample", "2", "--out", dir.file("s.png")});
  ASSERT_EQ(plot.exit_code, 0) << plot.output;
  EXPECT_GT(fs::file_size(dir.file("s.png")), 1000u);
}

TEST(CliPoints, ShippedPointConfigsTrainEvaluateAndPredict) {
  TempDir dir;
  const std::string train = generate_points(dir.file("train.h5"), 20, "per-sample", "clustered");
  for (const std::string config : {"gnot_mamba.yaml", "gnot_mamba4.yaml", "gnot_linear.yaml"}) {
    const std::string run = dir.file("run_" + config);
    const CliResult t = train_points(config, train, run);
    ASSERT_EQ(t.exit_code, 0) << config << "\n" << t.output;
    EXPECT_TRUE(t.has("96 scattered points (each sample its own)")) << t.output;
    EXPECT_TRUE(fs::exists(run + "/metrics.json")) << t.output;
    EXPECT_TRUE(fs::exists(run + "/plots/sample0.png")) << t.output;
  }
  // Predict on a file of other points: the output holds the input's points and a prediction at each.
  const std::string input = generate_points(dir.file("in.h5"), 3, "per-sample");
  const std::string out = dir.file("pred.h5");
  const CliResult p = run_mno({"--threads", "2", "predict", dir.file("run_gnot_mamba.yaml"), "--input", input, "--out", out});
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_TRUE(torch::equal(positions_of(out, 0, 3), positions_of(input, 0, 3)));
  const data::DarcySamples got = data::PdebenchReader(out).read_darcy({0, 3});
  EXPECT_EQ(got.solution.shape, (data::Shape{3, 96, 1}));
  // The hilbert order is in the run's model summary.
  const CliResult info = run_mno({"info", "model", source_dir() + "/configs/darcy_points/gnot_mamba.yaml"});
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_TRUE(info.has("directions 2, order hilbert")) << info.output;
  const CliResult info4 = run_mno({"info", "model", source_dir() + "/configs/darcy_points/gnot_mamba4.yaml"});
  ASSERT_EQ(info4.exit_code, 0) << info4.output;
  EXPECT_TRUE(info4.has("directions 4, order hilbert and its transpose")) << info4.output;
}

// GT takes scattered points through its pointwise regressor (configs/darcy_points/gt_*.yaml); a
// run trained at 96 points is evaluated zero-shot at 48 and 192 (the same fields, read off at
// other points) by `mno analyze resolution --data` over the three files.
TEST(CliPoints, GtOnPointsAndZeroShotAcrossPointCounts) {
  TempDir dir;
  const std::string f48 = generate_points(dir.file("p48.h5"), 20, "per-sample", "uniform", 48);
  const std::string f96 = generate_points(dir.file("p96.h5"), 20, "per-sample", "uniform", 96);
  const std::string f192 = generate_points(dir.file("p192.h5"), 20, "per-sample", "uniform", 192);
  const std::string run = dir.file("gt");
  const CliResult t = train_points("gt_mamba.yaml", f96, run);
  ASSERT_EQ(t.exit_code, 0) << t.output;
  // The shipped config's summary shows the pointwise regressor and the curve order.
  const CliResult info = run_mno({"info", "model", source_dir() + "/configs/darcy_points/gt_mamba.yaml"});
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_TRUE(info.has("regressor: Linear(256 + 2 → 32), 2 × SiLU(Linear(32 → 32))")) << info.output;
  EXPECT_TRUE(info.has("directions 2, order hilbert")) << info.output;

  const CliResult r = run_mno({"--threads", "2", "analyze", "resolution", run, "--data", f48 + "," + f96 + "," + f192,
                               "--out", dir.file("res")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("| run | 48 points | 96 points | 192 points |")) << r.output;
  for (const int n : {48, 96, 192})
    EXPECT_TRUE(fs::exists(dir.file("res/gt/points" + std::to_string(n) + "/metrics.json"))) << n << "\n" << r.output;
  const std::string csv = read_text(dir.file("res/resolution.csv"));
  EXPECT_NE(csv.find(f192), std::string::npos) << "each cell names its file\n" << csv;
  EXPECT_TRUE(fs::exists(dir.file("res/resolution.png")));
  // At the training point count the cell is the run's own evaluation.
  const auto nrmse = [](const std::string& metrics) {
    return nlohmann::json::parse(read_text(metrics))["standard"]["nrmse"].get<double>();
  };
  EXPECT_NEAR(nrmse(dir.file("res/gt/points96/metrics.json")), nrmse(run + "/metrics.json"), 1e-9);

  // Point clouds have no grid to stride, and grids and clouds are not one axis.
  const CliResult stride = run_mno({"analyze", "resolution", run, "--data", f48, "--strides", "2"});
  EXPECT_EQ(stride.exit_code, 1) << stride.output;
  EXPECT_TRUE(stride.has("--strides: " + f48 + " is a point cloud of 48 points, which has no grid to stride")) << stride.output;
  const std::string grid = dir.file("grid.h5");
  ASSERT_EQ(run_mno({"generate", "darcy", "--samples", "4", "--resolution", "16", "--out", grid}).exit_code, 0);
  const CliResult mixed = run_mno({"analyze", "resolution", run, "--data", f48 + "," + grid});
  EXPECT_EQ(mixed.exit_code, 1) << mixed.output;
  EXPECT_TRUE(mixed.has(grid + " is a grid, but " + f48 + " is a point cloud: give grid files or point clouds, not both"))
      << mixed.output;
}

TEST(CliPoints, WhatCannotTakeScatteredPointsSaysSo) {
  TempDir dir;
  const std::string file = generate_points(dir.file("p.h5"), 20, "per-sample");
  // GT's regressor is spectral: it needs a grid.
  const CliResult gt = run_mno({"--threads", "2", "train", "-c", source_dir() + "/configs/darcy/gt_mamba.yaml",
                                "data.file=" + file, "data.stride=1", "data.resolution=0", "model.width=16",
                                "model.layers=1", "train.device=cpu", "train.epochs=1", "--out", dir.file("gt")});
  EXPECT_EQ(gt.exit_code, 1) << gt.output;
  EXPECT_TRUE(gt.has("needs a regular grid")) << gt.output;
  // Striding, a grid resolution and per-point statistics have no meaning for scattered points.
  const CliResult stride = train_points("gnot_mamba.yaml", file, dir.file("r1"), {"data.stride=2"});
  EXPECT_EQ(stride.exit_code, 1);
  EXPECT_TRUE(stride.has("holds a point cloud of 96 points, which has no grid to stride")) << stride.output;
  const CliResult per_point = train_points("gnot_mamba.yaml", file, dir.file("r2"), {"data.normalise_inputs=per_point_gaussian"});
  EXPECT_EQ(per_point.exit_code, 1);
  EXPECT_TRUE(per_point.has("per_point_gaussian needs the same points in every sample")) << per_point.output;
  // --layout and --density belong to --points.
  const CliResult layout = run_mno({"generate", "darcy", "--samples", "2", "--layout", "shared", "--out", dir.file("x.h5")});
  EXPECT_NE(layout.exit_code, 0);
  EXPECT_TRUE(layout.has("--layout requires --points")) << layout.output;
  EXPECT_FALSE(fs::exists(dir.file("x.h5")));
}

TEST(CliPoints, PositionsOutsideTheUnitSquareAreRefusedByName) {
  TempDir dir;
  const std::string good = generate_points(dir.file("good.h5"), 4, "shared");
  const std::string bad = dir.file("bad.h5");
  {
    const data::Hdf5File in(good, data::Hdf5File::Mode::read);
    data::Hdf5File out(bad, data::Hdf5File::Mode::create);
    for (const std::string name : {"nu", "tensor", "positions"}) {
      data::FloatArray a = in.read(name);
      if (name == "positions") a.values[7] = 1.25f;  // point 3's y
      out.create_dataset(name, a.shape);
      out.write(name, a);
    }
    out.close();
  }
  const CliResult info = run_mno({"data", "info", bad});
  EXPECT_EQ(info.exit_code, 1);
  EXPECT_TRUE(info.has("dataset 'positions'")) << info.output;
  EXPECT_TRUE(info.has("coordinates in the unit square")) << info.output;
  EXPECT_TRUE(info.has("1.25 (point 3 of sample 0)")) << info.output;
}

}  // namespace
}  // namespace mno::cli::testing
