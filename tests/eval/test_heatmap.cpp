// PNG heatmaps: a file is written whose header says PNG, 490 px wide per panel and 406 px high (a
// square image with room for the tick labels, the axis names, the panel title and the colour bar's labels), and a
// sheet title in a band of its own; colour-bar tick labels; bad panels are refused with a message naming the file, and
// nothing is left behind.
#include <cstdint>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "data/data_test_support.h"
#include "mno/eval/heatmap.h"

namespace mno::eval {
namespace {

using mno::data::testing::TempDir;
using mno::testing::expect_error;

// Width and height from the PNG's IHDR chunk (big-endian, bytes 16..23).
std::pair<uint32_t, uint32_t> png_size(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char head[24] = {};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  EXPECT_EQ(in.gcount(), 24);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(head) + 1, 3), "PNG");
  const auto be32 = [&](int at) {
    return uint32_t(head[at]) << 24 | uint32_t(head[at + 1]) << 16 | uint32_t(head[at + 2]) << 8 | uint32_t(head[at + 3]);
  };
  return {be32(16), be32(20)};
}

Heatmap ramp(const std::string& title, size_t nx, size_t ny) {
  Heatmap h;
  h.title = title;
  h.nx = nx;
  h.ny = ny;
  for (size_t i = 0; i < nx * ny; ++i) h.values.push_back(static_cast<float>(i));
  return h;
}

TEST(Heatmap, OnePanelIs490By406Pixels) {
  TempDir dir;
  write_heatmaps_png(dir.file("one.png"), {ramp("u", 8, 6)});
  EXPECT_EQ(png_size(dir.file("one.png")), (std::pair<uint32_t, uint32_t>{490, 406}));
}

TEST(Heatmap, PanelsSitSideBySideUnderATitleBand) {
  TempDir dir;
  write_heatmaps_png(dir.file("three.png"), {ramp("a", 4, 4), ramp("b", 4, 4), ramp("c", 4, 4)}, "title");
  EXPECT_EQ(png_size(dir.file("three.png")), (std::pair<uint32_t, uint32_t>{3 * 490, 406 + 44}));
}

TEST(Heatmap, NoPanelsIsAnErrorAndWritesNothing) {
  TempDir dir;
  expect_error([&] { write_heatmaps_png(dir.file("none.png"), {}); }, {"none.png: no panels to plot"});
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(Heatmap, PanelWithTheWrongValueCountIsAnError) {
  TempDir dir;
  Heatmap bad = ramp("v", 3, 3);
  bad.values.pop_back();
  expect_error([&] { write_heatmaps_png(dir.file("bad.png"), {ramp("ok", 2, 2), bad}); },
               {"bad.png: panel 'v' has 8 values for 3x3"});
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(Heatmap, EmptyPanelIsAnError) {
  TempDir dir;
  expect_error([&] { write_heatmaps_png(dir.file("empty.png"), {ramp("e", 0, 4)}); },
               {"empty.png: panel 'e' has 0 values for 0x4"});
}

// The colour bar's ticks: zero where rounding left a residue, and enough digits to tell the ticks of
// a near-constant field apart.
TEST(Heatmap, ColourBarLabelWritesARoundingResidueAsZero) {
  EXPECT_EQ(colour_bar_label(-5.55e-17, -0.6, 0.6), "0");
  EXPECT_EQ(colour_bar_label(2e-6, -0.6, 0.6), "2e-06");  // above a millionth of the span: a value
}

TEST(Heatmap, ColourBarLabelHasThreeDigitsOnAWideBar) {
  EXPECT_EQ(colour_bar_label(0.123456, -0.6, 0.6), "0.123");
  EXPECT_EQ(colour_bar_label(2.5e-3, 0, 4e-3), "0.0025");
}

TEST(Heatmap, ColourBarLabelTellsTheTicksOfANarrowBarApart) {
  EXPECT_EQ(colour_bar_label(-0.044812, -0.04484, -0.04479), "-0.044812");
  EXPECT_NE(colour_bar_label(-0.04481, -0.04484, -0.04479), colour_bar_label(-0.04482, -0.04484, -0.04479));
  EXPECT_EQ(colour_bar_label(1.0000001, 1.0, 1.0 + 1e-12), "1");  // five digits at most
}

}  // namespace
}  // namespace mno::eval
