// The point-cloud study of docs/irregular.md at CPU size: tools/device/points-study.sh, the script
// the GPU machine runs, here with tiny models and two steps a run, so that what the device runs is
// what the suite runs: generate (a set and the grid, at N/2, N and 2N points), train every model
// of the set for two seeds, `mno analyze compare --group` per set and `mno analyze resolution`
// across the point counts, study.md and points.tgz. Only step 4 (`mno bench model` of the
// full-size configs, a minute on 2 cores) is left out: tests/cli/test_cli_bench.cpp covers it.
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"

namespace mno::cli::testing {
namespace {

namespace fs = std::filesystem;
using data::testing::TempDir;

TEST(CliPointsStudy, TheDeviceScriptRunsAtCpuSizeAndTabulatesEverySetAndSeed) {
  TempDir dir;
  const std::string work = dir.file("work"), out = dir.file("out"), log = dir.file("study.log");
  const std::string command = fmt::format(
      "cd '{}' && MNO_BIN='{}' MNO_POINTS_DIR='{}' MNO_POINTS_SAMPLES=30 MNO_POINTS_N=64 MNO_POINTS_SOLVE=32 "
      "MNO_POINTS_SETS=per-sample:clustered MNO_POINTS_HOSTS=gnot MNO_POINTS_ORDERS='index hilbert' "
      "MNO_POINTS_SEEDS='0 1' MNO_POINTS_ITERS=2 MNO_POINTS_GRID=1 MNO_POINTS_JOBS=1 MNO_POINTS_THREADS=2 "
      "MNO_POINTS_DEVICE=cpu MNO_POINTS_BENCH=0 "
      "MNO_POINTS_OVERRIDES='model.width=16 model.layers=1 train.batch_size=4 train.eval_batch_size=4 "
      "train.plot_samples=1' bash tools/device/points-study.sh '{}' > '{}' 2>&1",
      source_dir(), MNO_CLI_BINARY, work, out, log);
  ASSERT_EQ(std::system(command.c_str()), 0) << read_text(log);

  const std::string study = read_text(out + "/study.md");
  const auto has = [&study](const std::string& text) { return study.find(text) != std::string::npos; };
  EXPECT_TRUE(has("CPU cores")) << "the machine it ran on\n" << study;
  EXPECT_TRUE(has("read off at 64 points")) << study;
  // The set: each order of MambaGNOT and its linear twin, the two seeds of each as one row.
  EXPECT_TRUE(has("## per-sample:clustered")) << study;
  for (const std::string row : {"| gnot-mamba-index |", "| gnot-mamba-hilbert |", "| gnot-linear |"})
    EXPECT_TRUE(has(row)) << row << "\n" << study;
  EXPECT_TRUE(has("(2 runs) |")) << study;
  // Zero-shot across point counts: every run at N/2, N and 2N.
  EXPECT_TRUE(has("| run | 32 points | 64 points | 128 points |")) << study;
  EXPECT_TRUE(has("| gnot-mamba-hilbert_seed1 |")) << study;
  // The grid: raster MNO, the twin and FNO on the solver's grid.
  EXPECT_TRUE(has("## grid")) << study;
  for (const std::string row : {"| gnot-mamba-raster |", "| fno |"}) EXPECT_TRUE(has(row)) << row << "\n" << study;
  // Every run trained: 2 seeds × (3 on the points + 3 on the grid).
  const std::string timing = read_text(work + "/timing.csv");
  EXPECT_EQ(timing.find(",failed"), std::string::npos) << timing;
  EXPECT_EQ(std::count(timing.begin(), timing.end(), '\n'), 1 + 12) << timing;
  EXPECT_TRUE(fs::exists(work + "/compare/per-sample-clustered/heatmaps.png"));
  EXPECT_TRUE(fs::exists(work + "/zeroshot/per-sample-clustered/resolution.png"));
  // The bundle holds the tables and each run's metrics, and neither data nor checkpoints.
  ASSERT_TRUE(fs::exists(out + "/points.tgz"));
  const std::string listing = dir.file("listing.txt");
  ASSERT_EQ(std::system(fmt::format("tar tzf '{}/points.tgz' > '{}'", out, listing).c_str()), 0);
  const std::string files = read_text(listing);
  EXPECT_NE(files.find("compare/per-sample-clustered/compare.md"), std::string::npos) << files;
  EXPECT_NE(files.find("runs/per-sample-clustered/gnot-mamba-hilbert_seed0/metrics.json"), std::string::npos) << files;
  for (const std::string absent : {".h5", "checkpoints/", "/plots/"})
    EXPECT_EQ(files.find(absent), std::string::npos) << absent << "\n" << files;

  // Run again: every run is there, so nothing trains again (a lost machine resumes where it was).
  ASSERT_EQ(std::system(command.c_str()), 0) << read_text(log);
  EXPECT_EQ(read_text(work + "/timing.csv"), timing);
}

}  // namespace
}  // namespace mno::cli::testing
