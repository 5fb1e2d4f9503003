#pragma once
// PNG line plots (PLplot, cairo PNG device): loss and learning-rate curves, error against time,
// spectra on log-log axes. White page, a distinct colour (and past ten series a distinct dash
// pattern) per series. By the rules of plot_rules.h: tick labels never overlap (thinned where they
// would), a logarithmic axis labels at least two ticks (1-2-5 values inside a range under three
// decades), and the legend sits in an inside corner that no line crosses, else right of the plot.
#include <string>
#include <vector>

namespace mno::eval {

struct Series {
  std::string name;          // legend entry
  std::vector<double> x, y;  // the same length, at least one point
};

struct LinePlot {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
  std::vector<Series> series;
};

// Writes `plot` to `path` atomically. Points with a non-finite coordinate, or a non-positive one on
// a logarithmic axis, are not drawn (a diverged loss or a zero error leaves a gap, not a failure);
// a series with no drawable point left is an error. Throws mno::Error naming the path and the
// series for: no series, an empty series, x and y of different lengths, a missing directory.
void write_line_plot_png(const std::string& path, const LinePlot& plot);

// The points of each series that write_line_plot_png draws, in the series' order and in data
// coordinates: those with finite coordinates, positive on a logarithmic axis.
std::vector<Series> drawn_points(const LinePlot& plot);

}  // namespace mno::eval
