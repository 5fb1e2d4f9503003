// The rules every picture follows (plot_rules.h), computed: compared fields share one colour range
// and errors get one symmetric about 0; text widths match what the cairo device draws; tick labels
// never overlap at any axis length; logarithmic axes label at least two ticks (three where a range
// allows); a legend never covers a data line.
#include <cmath>

#include <gtest/gtest.h>

#include "data/data_test_support.h"
#include "mno/data/pdebench_reader.h"
#include "mno/eval/data_plot.h"
#include "mno/eval/heatmap.h"
#include "mno/eval/plot_rules.h"
#include "mno/eval/report.h"

namespace mno::eval {
namespace {

// ---- colour ranges --------------------------------------------------------------------------

// The user's case: truth 0..0.28, a flat prediction 0.13..0.16. On separate scales both looked alike.
TEST(PlotRules, TruthAndPredictionShareOneColourRangeAndTheErrorsIsSymmetric) {
  const torch::Tensor truth = torch::linspace(0, 0.28, 64).reshape({8, 8});
  const torch::Tensor prediction = torch::linspace(0.13, 0.16, 64).reshape({8, 8});
  Heatmap input;
  input.title = "input";
  input.nx = input.ny = 1;
  input.values = {5.0f};
  const auto panels = sample_panels(input, truth, prediction, {});
  ASSERT_EQ(panels.size(), 4u);
  const ColourRange t = colour_range_of(panels[1]), p = colour_range_of(panels[2]), e = colour_range_of(panels[3]);
  EXPECT_DOUBLE_EQ(t.lo, p.lo);
  EXPECT_DOUBLE_EQ(t.hi, p.hi);
  EXPECT_NEAR(t.lo, 0.0, 1e-7);
  EXPECT_NEAR(t.hi, 0.28, 1e-7);
  const double worst = (prediction - truth).abs().max().item<double>();
  EXPECT_DOUBLE_EQ(e.lo, -e.hi);
  EXPECT_NEAR(e.hi, worst, 1e-7);
  EXPECT_EQ(panels[3].title, "error = prediction − truth");
  EXPECT_FALSE(panels[0].colour_range.has_value()) << "the input is another quantity: its own scale";
  const std::string note = heatmaps_note(panels);
  EXPECT_NE(note.find("truth and prediction from 0 to 0.28"), std::string::npos) << note;
}

TEST(PlotRules, ColourRangesOfConstantAndNonFiniteFieldsAreUsable) {
  const std::vector<float> constant(4, 2.0f), with_nan{1.0f, NAN, 3.0f, INFINITY};
  const ColourRange c = shared_colour_range({&constant});
  EXPECT_LT(c.lo, 2.0);
  EXPECT_GT(c.hi, 2.0);
  const ColourRange n = shared_colour_range({&with_nan});
  EXPECT_DOUBLE_EQ(n.lo, 1.0);
  EXPECT_DOUBLE_EQ(n.hi, 3.0);
  const std::vector<float> zeros(3, 0.0f), errors{-0.5f, 0.1f};
  EXPECT_GT(symmetric_colour_range({&zeros}).hi, 0.0);
  const ColourRange s = symmetric_colour_range({&zeros, &errors});
  EXPECT_DOUBLE_EQ(s.lo, -0.5);
  EXPECT_DOUBLE_EQ(s.hi, 0.5);
}

// A run's field [H, W] (H along the file's first grid axis) is drawn as `mno data plot` draws the
// file: diffusion-reaction arrays are [y, x], so they are transposed to put x across; the axes span
// the file's domain at the cells' edges.
TEST(PlotRules, ARunsFieldIsDrawnInTheFilesFrame) {
  const FieldFrame dr = field_frame(data::PdebenchReader(data::testing::fixture("pdebench_diffreact.h5")));
  const FieldFrame swe = field_frame(data::PdebenchReader(data::testing::fixture("pdebench_swe.h5")));
  EXPECT_TRUE(dr.transposed);
  EXPECT_FALSE(swe.transposed);
  const data::PdebenchReader reader(data::testing::fixture("pdebench_swe.h5"));
  const auto x = reader.x(), y = reader.y();
  EXPECT_NEAR(swe.x_min, x.values.front() - (x.values[1] - x.values[0]) / 2, 1e-6);
  EXPECT_NEAR(swe.y_max, y.values.back() + (y.values[1] - y.values[0]) / 2, 1e-6);
  EXPECT_GT(swe.x_max - swe.x_min, 1.5) << "not the unit square";

  const torch::Tensor field = torch::arange(6, torch::kFloat32).reshape({2, 3});  // [H = 2, W = 3]
  FieldFrame frame;
  frame.transposed = true;
  frame.x_min = -1, frame.x_max = 1, frame.y_min = -2, frame.y_max = 2;
  const Heatmap h = field_heatmap("u", field, frame);
  ASSERT_EQ(h.nx, 3u);
  ASSERT_EQ(h.ny, 2u);
  for (size_t i = 0; i < 3; ++i)
    for (size_t j = 0; j < 2; ++j) EXPECT_EQ(h.values[i * h.ny + j], field[j][i].item<float>()) << i << "," << j;
  EXPECT_EQ(h.x_min, -1);
  EXPECT_EQ(h.y_max, 2);
}

// ---- text and ticks -------------------------------------------------------------------------

// Measured on the cairo device (800 px page, character height 13.6 px): the ink of ten digits is
// 117 px wide, of ten capital H 136 px, of the lower-case alphabet 265 px.
TEST(PlotRules, TextWidthsMatchWhatTheDeviceDraws) {
  EXPECT_NEAR(text_width("0123456789", 13.6), 117, 0.06 * 117);
  EXPECT_NEAR(text_width("HHHHHHHHHH", 13.6), 136, 0.06 * 136);
  EXPECT_NEAR(text_width("abcdefghijklmnopqrstuvwxyz", 13.6), 265, 0.06 * 265);
  EXPECT_NEAR(text_width("10#u-16#d", 13.6), 44, 0.12 * 44);  // a superscript is drawn smaller
}

size_t labelled(const std::vector<Tick>& ticks) {
  size_t n = 0;
  for (const auto& t : ticks) n += !t.label.empty();
  return n;
}

// Checks the labels' boxes directly: each one ends before the next begins.
void expect_apart(const AxisLayout& axis, const std::vector<Tick>& ticks) {
  const auto boxes = label_boxes(axis, ticks);
  for (size_t i = 1; i < boxes.size(); ++i)
    EXPECT_LT(boxes[i - 1].to, boxes[i].from) << "labels " << i - 1 << " and " << i << " overlap on an axis of "
                                               << axis.length << " mm from " << axis.lo << " to " << axis.hi;
  EXPECT_FALSE(labels_overlap(axis, ticks));
}

TEST(PlotRules, SeventeenDecadesAreThinnedUntilTheirLabelsKeepApart) {
  for (bool side_by_side : {true, false})
    for (double length : {40.0, 80.0, 150.0}) {
      const AxisLayout axis{-16.3, 0.3, true, length, 3.8, side_by_side};
      const auto ticks = axis_ticks(axis);
      EXPECT_EQ(ticks.size(), 17u) << "a tick at every decade, labelled or not";
      EXPECT_GE(labelled(ticks), length >= 80 ? 3u : 2u) << length;
      if (side_by_side) EXPECT_LT(labelled(ticks), 17u) << "17 labels side by side do not fit " << length << " mm";
      expect_apart(axis, ticks);
    }
}

TEST(PlotRules, LinearLabelsNeverOverlapAtAnyLengthOrRange) {
  for (const auto& [lo, hi] : {std::pair{0.0, 1.0}, std::pair{-2.5, 2.5}, std::pair{0.000123, 0.000987},
                               std::pair{-3e6, 7e6}, std::pair{0.9999, 1.0001}, std::pair{0.0, 100.0}})
    for (double length : {20.0, 50.0, 200.0})
      for (bool side_by_side : {true, false}) {
        const AxisLayout axis{lo, hi, false, length, 3.8, side_by_side};
        const auto ticks = axis_ticks(axis);
        EXPECT_GE(labelled(ticks), 1u);
        expect_apart(axis, ticks);
        for (const auto& t : ticks) EXPECT_TRUE(t.at >= lo - 1e-9 * (hi - lo) && t.at <= hi + 1e-9 * (hi - lo)) << t.at;
      }
}

// resolution.png (8 to 32 points per side) and along_time.png (an nRMSE from 0.13 to 0.16) showed
// one labelled decade.
TEST(PlotRules, ALogAxisUnderADecadeLabelsAtLeastThreeTicks) {
  for (const auto& [lo, hi] : {std::pair{8.0, 32.0}, std::pair{0.13, 0.16}, std::pair{0.02, 0.09}, std::pair{1e-3, 2e-3},
                               std::pair{0.5, 5.0}, std::pair{3e-7, 4e-7}, std::pair{0.84, 1.95}}) {
    const AxisLayout axis{std::log10(lo), std::log10(hi), true, 120, 3.8, true};
    const auto ticks = axis_ticks(axis);
    EXPECT_GE(labelled(ticks), 3u) << lo << " to " << hi;
    expect_apart(axis, ticks);
    for (const auto& t : ticks) EXPECT_TRUE(t.at >= axis.lo - 1e-9 && t.at <= axis.hi + 1e-9) << t.at;
  }
  // Even a short axis over a narrow range keeps two labels.
  const AxisLayout tiny{std::log10(0.13), std::log10(0.16), true, 30, 3.8, true};
  EXPECT_GE(labelled(axis_ticks(tiny)), 2u);
}

TEST(PlotRules, DecadeLabelsAreSuperscriptsOutsideTheSpanOfPlainNumbers) {
  const auto wide = axis_ticks({-8, 0, true, 150, 3.8, false});
  EXPECT_EQ(wide.front().label, "10#u-8#d");
  const auto near = axis_ticks({-2, 2, true, 150, 3.8, false});
  EXPECT_EQ(near.front().label, "0.01");
  EXPECT_EQ(near.back().label, "100");
}

// ---- legends --------------------------------------------------------------------------------

TEST(PlotRules, ALegendGoesToACornerNoLineCrosses) {
  // A loss falling from the top left: the top right is free.
  const std::vector<Polyline> falling{{{0, 0.95}, {0.2, 0.5}, {0.5, 0.2}, {1, 0.05}}};
  const auto a = place_legend(falling, 0.3, 0.15);
  EXPECT_EQ(a.where, LegendPlacement::Where::top_right);
  EXPECT_FALSE(data_enters_box(falling, a.x0, a.x1, a.y0, a.y1));
  // A rising curve reaches the top right and passes the bottom left: the top left is free.
  const std::vector<Polyline> rising{{{0, 0.02}, {0.5, 0.3}, {1, 0.98}}};
  const auto b = place_legend(rising, 0.3, 0.15);
  EXPECT_EQ(b.where, LegendPlacement::Where::top_left);
  EXPECT_FALSE(data_enters_box(rising, b.x0, b.x1, b.y0, b.y1));
  // Lines through all four corners and across the middle: outside.
  const std::vector<Polyline> both{{{0, 0}, {1, 1}}, {{0, 1}, {1, 0}}, {{0, 0.5}, {1, 0.5}}};
  EXPECT_EQ(place_legend(both, 0.3, 0.15).where, LegendPlacement::Where::outside_right);
  EXPECT_GT(place_legend(both, 0.3, 0.15).x0, 1.0);
  // Lines through the four corners only: the middle of the right side.
  const std::vector<Polyline> cross{{{0, 0}, {1, 1}}, {{0, 1}, {1, 0}}};
  const auto m = place_legend(cross, 0.3, 0.15);
  EXPECT_EQ(m.where, LegendPlacement::Where::middle_right);
  EXPECT_FALSE(data_enters_box(cross, m.x0, m.x1, m.y0, m.y1));
  // A lone marker counts too.
  const std::vector<Polyline> marker{{{0.9, 0.9}}};
  EXPECT_NE(place_legend(marker, 0.3, 0.15).where, LegendPlacement::Where::top_right);
}

TEST(PlotRules, ASegmentCrossingABoxEntersItWithNoPointInside) {
  const std::vector<Polyline> across{{{0, 0.5}, {1, 0.5}}};
  EXPECT_TRUE(data_enters_box(across, 0.4, 0.6, 0.4, 0.6));
  EXPECT_FALSE(data_enters_box(across, 0.4, 0.6, 0.55, 0.7));
  const std::vector<Polyline> diagonal{{{0, 0}, {1, 1}}};
  EXPECT_FALSE(data_enters_box(diagonal, 0.7, 0.95, 0.05, 0.3));
  EXPECT_TRUE(data_enters_box(diagonal, 0.45, 0.55, 0.0, 1.0));
}

// Many random curves: wherever the legend goes, no data line enters it.
TEST(PlotRules, APlacedLegendNeverCoversData) {
  torch::manual_seed(7);
  for (int trial = 0; trial < 200; ++trial) {
    const int lines = 1 + trial % 4;
    std::vector<Polyline> data;
    for (int l = 0; l < lines; ++l) {
      const auto y = torch::rand({12}).cumsum(0);
      Polyline p;
      for (int i = 0; i < 12; ++i) p.push_back({i / 11.0, y[i].item<double>() / y[11].item<double>() * (trial % 2 ? 1 : -1) + (trial % 2 ? 0 : 1)});
      data.push_back(p);
    }
    const auto place = place_legend(data, 0.25, 0.12 * lines);
    if (place.where == LegendPlacement::Where::outside_right) {
      EXPECT_GT(place.x0, 1.0);
    } else {
      EXPECT_FALSE(data_enters_box(data, place.x0, place.x1, place.y0, place.y1)) << trial;
      EXPECT_GE(place.x0, 0.0);
      EXPECT_LE(place.x1, 1.0);
    }
  }
}

}  // namespace
}  // namespace mno::eval
