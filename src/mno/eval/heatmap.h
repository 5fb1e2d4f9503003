#pragma once
// PNG heatmaps with colour bars (PLplot, cairo PNG device): white page, a viridis-like
// perceptual colour map. Several panels side by side in one image.
#include <optional>
#include <string>
#include <vector>

#include "mno/eval/plot_rules.h"

namespace mno::eval {

struct Heatmap {
  std::string title;
  size_t nx = 0, ny = 0;      // values[i * ny + j] is drawn at horizontal position i, vertical j
  std::vector<float> values;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  std::string x_label = "x", y_label = "y";
  // The colour bar's range; none: the panel's own minimum and maximum. Panels that are compared
  // get one range (share_colour_scales).
  std::optional<ColourRange> colour_range;
  // Scattered points (a point cloud, docs/irregular.md): when given, values[k] is drawn as a dot
  // at (point_x[k], point_y[k]) and nx, ny are not used.
  std::vector<float> point_x, point_y;
  bool scattered() const { return !point_x.empty(); }
};

// The colour range a panel is drawn with: its own, or its values' minimum and maximum.
ColourRange colour_range_of(const Heatmap& panel);

// Gives every panel of `compared` (truth and predictions) one colour range over all their values,
// and every panel of `errors` one range symmetric about 0: a prediction that misses the truth then
// looks different from it, and an error's sign reads from its colour.
void share_colour_scales(const std::vector<Heatmap*>& compared, const std::vector<Heatmap*>& errors);

// How a field [H, W] of a data file is drawn (H along the file's first grid axis): transposed means
// its second axis runs across (PDEBench's diffusion-reaction arrays are [y, x]), and the domain's
// extent, at the cells' outer edges. The default is the unit square, untransposed.
// A point cloud's frame is the unit square, scattered: its fields are drawn as dots at their points.
struct FieldFrame {
  bool transposed = false;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  bool scattered = false;
};

// Writes the panels to `path` (atomically); throws mno::Error on bad input or a PLplot failure.
void write_heatmaps_png(const std::string& path, const std::vector<Heatmap>& panels, const std::string& title = "");

// A colour-bar tick label for `value` on a bar from zmin to zmax: three significant digits, up to five
// where the bar spans a sliver of its values (a near-constant field), and "0" for a tick within a
// millionth of the span of zero (where rounding put it, e.g. -5.55e-17).
std::string colour_bar_label(double value, double zmin, double zmax);

}  // namespace mno::eval
