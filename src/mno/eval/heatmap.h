#pragma once
// PNG heatmaps with colour bars (PLplot, cairo PNG device): white page, a viridis-like
// perceptual colour map. Several panels side by side in one image.
#include <string>
#include <vector>

namespace mno::eval {

struct Heatmap {
  std::string title;
  size_t nx = 0, ny = 0;      // values[i * ny + j] is drawn at horizontal position i, vertical j
  std::vector<float> values;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
};

// Writes the panels to `path` (atomically); throws mno::Error on bad input or a PLplot failure.
void write_heatmaps_png(const std::string& path, const std::vector<Heatmap>& panels, const std::string& title = "");

// A colour-bar tick label for `value` on a bar from zmin to zmax: three significant digits, up to five
// where the bar spans a sliver of its values (a near-constant field), and "0" for a tick within a
// millionth of the span of zero (where rounding put it, e.g. -5.55e-17).
std::string colour_bar_label(double value, double zmin, double zmax);

}  // namespace mno::eval
