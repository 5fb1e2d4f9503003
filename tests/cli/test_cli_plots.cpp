// The pictures' rules through the command line, on a tiny shallow-water run: each sample picture
// of the report draws truth and prediction on one colour scale and the error on a scale symmetric
// about 0, and its axes span the data's domain ([-2.5, 2.5]², as `mno data plot` draws it, not the
// unit square); `analyze compare`'s heatmaps do the same. report.md and compare.md state the scales
// under each picture, which is what these tests read.
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"
#include "train/train_test_support.h"

namespace mno::cli::testing {
namespace {

using data::testing::TempDir;
namespace fs = std::filesystem;

// The lines of `text` that start with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  return out;
}

// "<what> from A to B" in a note: {A, B}; fails the test when absent.
std::pair<double, double> range_of(const std::string& note, const std::string& what) {
  const std::regex pattern(std::regex_replace(what, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                           " from ([-0-9.e+]+) to ([-0-9.e+]+)");
  std::smatch m;
  if (!std::regex_search(note, m, pattern)) {
    ADD_FAILURE() << "no '" << what << " from A to B' in: " << note;
    return {0, 0};
  }
  return {std::stod(m[1]), std::stod(m[2])};
}

// A tiny GT trained for one epoch on 5 frames of shallow water (2 given, 3 predicted).
std::string train_swe_run(const TempDir& dir) {
  const std::string data = dir.file("swe.h5");
  const CliResult g = run_mno({"generate", "swe", "--samples", "10", "--resolution", "16", "--frames", "5", "--out", data});
  EXPECT_EQ(g.exit_code, 0) << g.output;
  const Config config = train::testing::tiny_gt_config(data, "mamba");
  YAML::Node root = config.root().yaml();  // a handle: edits go into the config
  root.remove("name");
  root["train"]["epochs"] = 1;
  root["model"]["in_channels"] = 2;
  root["model"]["out_channels"] = 3;
  root["data"]["input_frames"] = 2;
  const std::string path = dir.file("swe.yaml");
  std::ofstream(path) << config.dump_as_given();
  const std::string run = dir.file("swe");
  const CliResult t = run_mno({"--threads", "2", "train", "-c", path, "--out", run});
  EXPECT_EQ(t.exit_code, 0) << t.output;
  return run;
}

TEST(CliPlots, SamplePicturesAndCompareHeatmapsShareTheTruthsScaleAndShowTheDomain) {
  TempDir dir;
  const std::string run = train_swe_run(dir);
  const std::string report = read_text(run + "/report.md");
  const auto notes = lines_starting(report, "Colour scales:");
  // One kept sample, at its first predicted frame and its last: two pictures, each with its note.
  ASSERT_EQ(notes.size(), 2u) << report;
  for (const std::string& note : notes) {
    const auto [lo, hi] = range_of(note, "truth and prediction");
    EXPECT_LT(lo, hi) << note;
    const auto [error_lo, error_hi] = range_of(note, "error = prediction − truth");
    EXPECT_GT(error_hi, 0) << note;
    EXPECT_DOUBLE_EQ(error_lo, -error_hi) << "an error scale symmetric about 0: " << note;
    EXPECT_NE(note.find("Axes: x from -2.5 to 2.5, y from -2.5 to 2.5."), std::string::npos) << note;
  }
  EXPECT_TRUE(fs::exists(run + "/plots/sample0_frame4_channel0.png"));

  const CliResult c = run_mno({"--threads", "2", "analyze", "compare", run, "--out", dir.file("cmp")});
  ASSERT_EQ(c.exit_code, 0) << c.output;
  ASSERT_TRUE(fs::exists(dir.file("cmp/heatmaps.png")));
  const auto compared = lines_starting(read_text(dir.file("cmp/compare.md")), "heatmaps.png: Colour scales:");
  ASSERT_EQ(compared.size(), 1u) << read_text(dir.file("cmp/compare.md"));
  const auto [lo, hi] = range_of(compared[0], "truth and swe");
  EXPECT_LT(lo, hi);
  const auto [error_lo, error_hi] = range_of(compared[0], "error = swe − truth");
  EXPECT_DOUBLE_EQ(error_lo, -error_hi) << compared[0];
  EXPECT_NE(compared[0].find("Axes: x from -2.5 to 2.5, y from -2.5 to 2.5."), std::string::npos) << compared[0];
}

}  // namespace
}  // namespace mno::cli::testing
