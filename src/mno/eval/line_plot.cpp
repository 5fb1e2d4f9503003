#include "mno/eval/line_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <plplot.h>

#include "mno/core/error.h"
#include "mno/eval/plplot_session.h"

namespace mno::eval {
namespace {

// matplotlib's "tab10": distinct and colour-blind friendly; written into colour-map-0 slots 1..10.
constexpr int kPalette[10][3] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},  {148, 103, 189},
                                 {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
constexpr int kGridColour = 14;  // colour-map-0 slot for the light-grey grid

// A series as drawn: coordinates already log10'd on logarithmic axes.
struct Drawable {
  std::string name;
  std::vector<PLFLT> x, y;
};

bool drawable(double v, bool log_axis) { return std::isfinite(v) && (!log_axis || v > 0); }

std::vector<Drawable> prepare(const std::string& path, const LinePlot& plot) {
  check(!plot.series.empty(), "{}: line plot '{}' has no series", path, plot.title);
  std::vector<Drawable> out;
  for (const auto& s : plot.series) {
    const auto where = fmt::format("{}: series '{}'", path, s.name);
    if (s.x.size() != s.y.size())
      throw mismatch_error(where, fmt::format("as many y values as x values ({})", s.x.size()), std::to_string(s.y.size()));
    check(!s.x.empty(), "{} has no points", where);
    Drawable d{s.name, {}, {}};
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!drawable(s.x[i], plot.log_x) || !drawable(s.y[i], plot.log_y)) continue;
      d.x.push_back(plot.log_x ? std::log10(s.x[i]) : s.x[i]);
      d.y.push_back(plot.log_y ? std::log10(s.y[i]) : s.y[i]);
    }
    check(!d.x.empty(), "{}: none of its {} points is finite{}", where, s.x.size(),
          plot.log_x || plot.log_y ? " and positive on the logarithmic axes" : "");
    out.push_back(std::move(d));
  }
  return out;
}

// [lo, hi] of one coordinate over all series, widened a little (and made non-empty) so that no
// line sits on the frame.
std::pair<PLFLT, PLFLT> range(const std::vector<Drawable>& series, std::vector<PLFLT> Drawable::*coordinate) {
  PLFLT lo = std::numeric_limits<PLFLT>::infinity(), hi = -lo;
  for (const auto& s : series) {
    const auto [a, b] = std::minmax_element((s.*coordinate).begin(), (s.*coordinate).end());
    lo = std::min(lo, *a);
    hi = std::max(hi, *b);
  }
  const PLFLT pad = hi > lo ? 0.04 * (hi - lo) : std::max<PLFLT>(0.5, 0.05 * std::abs(lo));
  return {lo - pad, hi + pad};
}

void draw(const LinePlot& plot, const std::vector<Drawable>& series) {
  for (int i = 0; i < 10; ++i) plscol0(i + 1, kPalette[i][0], kPalette[i][1], kPalette[i][2]);
  plscol0(kGridColour, 220, 220, 220);
  pladv(0);
  plvpor(0.11, 0.96, 0.11, 0.92);
  const auto [x0, x1] = range(series, &Drawable::x);
  const auto [y0, y1] = range(series, &Drawable::y);
  plwind(x0, x1, y0, y1);
  const std::string xl = plot.log_x ? "l" : "", yl = plot.log_y ? "l" : "";
  plcol0(kGridColour);
  plbox(("g" + xl).c_str(), 0, 0, ("g" + yl).c_str(), 0, 0);
  plcol0(kPlplotBlack);
  plbox(("bcnst" + xl).c_str(), 0, 0, ("bcnstv" + yl).c_str(), 0, 0);
  pllab(plot.x_label.c_str(), plot.y_label.c_str(), plot.title.c_str());

  const auto n = static_cast<PLINT>(series.size());
  std::vector<PLINT> opts(n, PL_LEGEND_LINE), colours(n), styles(n), text_colours(n, kPlplotBlack);
  std::vector<PLFLT> widths(n, 2.0);
  std::vector<const char*> names(n);
  for (PLINT i = 0; i < n; ++i) {
    const auto& s = series[static_cast<size_t>(i)];
    colours[i] = 1 + i % 10;
    styles[i] = 1 + (i / 10) % 8;  // solid for the first ten, then PLplot's dash patterns
    names[i] = s.name.c_str();
    plcol0(colours[i]);
    pllsty(styles[i]);
    plwidth(widths[i]);
    const auto points = static_cast<PLINT>(s.x.size());
    if (points == 1)
      plpoin(1, s.x.data(), s.y.data(), 4);  // a lone point has no line: circle it
    else
      plline(points, s.x.data(), s.y.data());
  }
  pllsty(1);
  plwidth(1.0);
  PLFLT legend_width, legend_height;
  pllegend(&legend_width, &legend_height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
           PL_POSITION_TOP | PL_POSITION_RIGHT | PL_POSITION_INSIDE, 0.02, 0.02, 0.08, 0, kPlplotBlack, 1, 0, 0, n,
           opts.data(), 1.0, 0.8, 2.0, 0.0, text_colours.data(), names.data(), nullptr, nullptr, nullptr, nullptr,
           colours.data(), styles.data(), widths.data(), nullptr, nullptr, nullptr, nullptr);
}

}  // namespace

void write_line_plot_png(const std::string& path, const LinePlot& plot) {
  const auto series = prepare(path, plot);
  write_plplot_png(path, 800, 560, [&] { draw(plot, series); });
}

}  // namespace mno::eval
