// The report of one evaluation, written where it is told: metrics.json holds both modes'
// numbers, along_time.csv a row per frame and mode, one PNG per kept sample and frame plus the
// spectrum, error-against-time and training curves, and report.md links every plot relative to
// itself; an empty evaluation writes nothing.
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "data/data_test_support.h"
#include "mno/eval/report.h"

namespace mno::eval {
namespace {

namespace fs = std::filesystem;
using data::testing::TempDir;
using mno::testing::read_text;

// Two samples of a time-dependent field [2, 8, 8, 3 frames, 1 channel], the first frame given.
Evaluation time_dependent_evaluation() {
  MetricOptions o;
  o.given_frames = 1;
  Evaluation e{MetricAccumulator(MetricMode::standard, o), MetricAccumulator(MetricMode::paper, o)};
  torch::manual_seed(3);
  const torch::Tensor truth = torch::rand({2, 8, 8, 3, 1}, torch::kFloat64);
  const torch::Tensor prediction = truth + 0.1 * torch::rand({2, 8, 8, 3, 1}, torch::kFloat64);
  e.standard.add(prediction, truth);
  e.paper.add(prediction, truth);
  e.samples = 2;
  e.inputs = truth.select(3, 0).to(torch::kFloat32);
  e.truth = truth.to(torch::kFloat32);
  e.prediction = prediction.to(torch::kFloat32);
  return e;
}

ReportInputs inputs_in(const TempDir& dir) {
  ReportInputs in;
  in.paths = {dir.file("out/m.json"), dir.file("out/t.csv"), dir.file("out/r.md"), dir.file("out/figures")};
  in.title = "tiny";
  in.model_line = "Model: a test.";
  in.data_line = "Data: random.";
  in.log_csv = "epoch,step,lr,train_loss,test_rmse,test_nrmse,test_rl2,seconds,samples_per_s\n"
               "1,5,0.001,0.5,0.1,0.2,0.2,1.0,10\n2,10,0.001,0.25,,,,2.0,10\n";
  in.train_seconds = 2.0;
  return in;
}

TEST(Report, WritesEveryFileWhereItIsToldAndLinksThePlots) {
  TempDir dir;
  fs::create_directories(dir.file("out"));
  const Evaluation e = time_dependent_evaluation();
  const ReportFiles files = write_report(inputs_in(dir), e);

  const auto json = nlohmann::json::parse(read_text(dir.file("out/m.json")));
  EXPECT_EQ(json["run"], "tiny");
  EXPECT_EQ(json["samples"], 2);
  EXPECT_DOUBLE_EQ(json["standard"]["rmse"].get<double>(), e.standard.result().rmse);
  EXPECT_DOUBLE_EQ(json["paper"]["nrmse"].get<double>(), e.paper.result().nrmse);

  const std::string csv = read_text(dir.file("out/t.csv"));
  EXPECT_EQ(csv.rfind("frame,mode,rmse,rmse_std,", 0), 0u) << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 2 * 3);  // header + 3 frames x 2 modes

  // 2 samples x (first predicted frame 1 and last frame 2) x 1 channel, spectrum, error vs
  // time, loss and lr.
  ASSERT_EQ(files.plots.size(), 2u * 2 + 4);
  const std::string md = read_text(dir.file("out/r.md"));
  for (const auto& plot : files.plots) {
    EXPECT_TRUE(fs::exists(plot)) << plot;
    EXPECT_EQ(plot.rfind(dir.file("out/figures/"), 0), 0u) << plot;
    const std::string link = "(figures/" + fs::path(plot).filename().string() + ")";
    EXPECT_NE(md.find(link), std::string::npos) << link << "\n" << md;
  }
  EXPECT_NE(md.find("| rmse |"), std::string::npos);
  EXPECT_NE(md.find("training took 2.0 s"), std::string::npos);
  EXPECT_EQ(files.report_md, dir.file("out/r.md"));
}

TEST(Report, WithoutKeptSamplesOrALogOnlyTheMetricPlotsAreDrawn) {
  TempDir dir;
  fs::create_directories(dir.file("out"));
  Evaluation e = time_dependent_evaluation();
  e.inputs = e.truth = e.prediction = torch::Tensor();
  ReportInputs in = inputs_in(dir);
  in.log_csv.clear();
  const ReportFiles files = write_report(in, e);
  ASSERT_EQ(files.plots.size(), 1u);  // error against time
  EXPECT_EQ(fs::path(files.plots[0]).filename(), "error_vs_time.png");
}

TEST(Report, ADivergedPredictionStillGetsItsReportWithoutItsSpectrumCurve) {
  // A diverged model can predict values whose energy overflows to inf: the spectrum keeps the
  // truth's curve and says what was left out; every other file is written as usual.
  TempDir dir;
  fs::create_directories(dir.file("out"));
  Evaluation e = time_dependent_evaluation();
  e.prediction = torch::full_like(e.prediction, 1e30f);
  const ReportFiles files = write_report(inputs_in(dir), e);
  ASSERT_EQ(files.plots.size(), 2u * 2 + 4);
  EXPECT_TRUE(fs::exists(dir.file("out/figures/spectrum.png")));
  e.truth = torch::full_like(e.truth, 1e30f);
  const ReportFiles without = write_report(inputs_in(dir), e);
  EXPECT_EQ(without.plots.size(), 2u * 2 + 3);  // no curve left: no spectrum plot
}

TEST(Report, AnEmptyEvaluationIsAnErrorAndWritesNothing) {
  TempDir dir;
  fs::create_directories(dir.file("out"));
  Evaluation e{MetricAccumulator(MetricMode::standard, {}), MetricAccumulator(MetricMode::paper, {})};
  mno::testing::expect_error([&] { write_report(inputs_in(dir), e); }, {"tiny", "nothing was evaluated"});
  EXPECT_TRUE(fs::is_empty(dir.file("out")));
}

}  // namespace
}  // namespace mno::eval
