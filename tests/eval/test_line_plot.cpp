#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "data/data_test_support.h"
#include "mno/eval/line_plot.h"

namespace mno::eval {
namespace {

using mno::data::testing::expect_error;
using mno::data::testing::TempDir;

std::string head_bytes(const std::string& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(n, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(n));
  return bytes.substr(0, static_cast<size_t>(in.gcount()));
}

bool directory_is_empty(const std::string& file_in_it) {
  const auto dir = std::filesystem::path(file_in_it).parent_path();
  return std::filesystem::directory_iterator(dir) == std::filesystem::directory_iterator();
}

LinePlot two_curves() {
  LinePlot plot{"loss", "epoch", "loss", false, false, {}};
  plot.series.push_back({"train", {1, 2, 3, 4}, {1.0, 0.5, 0.3, 0.2}});
  plot.series.push_back({"test", {1, 2, 3, 4}, {1.2, 0.7, 0.5, 0.45}});
  return plot;
}

void expect_png(const std::string& path) {
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(head_bytes(path, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_GT(std::filesystem::file_size(path), 4000u);  // axes, labels and two lines, not an empty page
}

TEST(LinePlot, WritesAPng) {
  TempDir dir;
  write_line_plot_png(dir.file("loss.png"), two_curves());
  expect_png(dir.file("loss.png"));
}

TEST(LinePlot, LogAxesDropNonPositiveAndNonFinitePoints) {
  TempDir dir;
  LinePlot plot{"spectrum", "k", "E(k)", true, true, {}};
  plot.series.push_back({"truth", {0, 1, 2, 4, 8}, {3.0, 1.0, 0.1, 0.0, 1e-4}});  // k = 0 and E = 0 dropped
  plot.series.push_back({"model", {1, 2, 4}, {1.0, NAN, 0.01}});
  plot.series.push_back({"one point", {2}, {0.5}});
  const auto drawn = drawn_points(plot);
  ASSERT_EQ(drawn.size(), 3u);
  EXPECT_EQ(drawn[0].x, (std::vector<double>{1, 2, 8}));
  EXPECT_EQ(drawn[0].y, (std::vector<double>{1.0, 0.1, 1e-4}));
  EXPECT_EQ(drawn[1].x, (std::vector<double>{1, 4}));
  EXPECT_EQ(drawn[1].y, (std::vector<double>{1.0, 0.01}));
  EXPECT_EQ(drawn[2].x, (std::vector<double>{2}));
  // On linear axes only the NaN goes; the zeros stay.
  plot.log_x = plot.log_y = false;
  EXPECT_EQ(drawn_points(plot)[0].x, (std::vector<double>{0, 1, 2, 4, 8}));
  EXPECT_EQ(drawn_points(plot)[1].x, (std::vector<double>{1, 4}));
  plot.log_x = plot.log_y = true;
  write_line_plot_png(dir.file("spectrum.png"), plot);
  expect_png(dir.file("spectrum.png"));
}

TEST(LinePlot, RejectsNoSeries) {
  TempDir dir;
  const auto path = dir.file("x.png");
  expect_error([&] { write_line_plot_png(path, LinePlot{"empty plot", "", "", false, false, {}}); },
               {path, "line plot 'empty plot' has no series"});
  EXPECT_TRUE(directory_is_empty(path));
}

TEST(LinePlot, RejectsMismatchedLengths) {
  TempDir dir;
  const auto path = dir.file("x.png");
  auto plot = two_curves();
  plot.series[1].y.pop_back();
  expect_error([&] { write_line_plot_png(path, plot); },
               {path, "series 'test': expected as many y values as x values (4), found 3"});
  EXPECT_TRUE(directory_is_empty(path));
}

TEST(LinePlot, RejectsAnEmptySeries) {
  TempDir dir;
  const auto path = dir.file("x.png");
  auto plot = two_curves();
  plot.series.push_back({"nothing", {}, {}});
  expect_error([&] { write_line_plot_png(path, plot); }, {path, "series 'nothing' has no points"});
  EXPECT_TRUE(directory_is_empty(path));
}

TEST(LinePlot, RejectsASeriesWithNothingToDrawOnALogAxis) {
  TempDir dir;
  const auto path = dir.file("x.png");
  auto plot = two_curves();
  plot.log_y = true;
  plot.series[0].y = {0.0, -1.0, 0.0, 0.0};
  expect_error([&] { write_line_plot_png(path, plot); },
               {path, "series 'train': none of its 4 points is finite and positive on the logarithmic axes"});
  EXPECT_TRUE(directory_is_empty(path));
}

TEST(LinePlot, RejectsAMissingDirectoryAndKeepsAnOldFile) {
  TempDir dir;
  expect_error([&] { write_line_plot_png(dir.file("no/such/dir/x.png"), two_curves()); },
               {"directory", "does not exist"});
  // A failed redraw leaves the previous picture as it was.
  const auto path = dir.file("loss.png");
  write_line_plot_png(path, two_curves());
  const auto before = std::filesystem::file_size(path);
  auto broken = two_curves();
  broken.series[0].x.clear();
  expect_error([&] { write_line_plot_png(path, broken); }, {"series 'train'"});
  EXPECT_EQ(std::filesystem::file_size(path), before);
}

}  // namespace
}  // namespace mno::eval
