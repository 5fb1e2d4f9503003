#include "mno/eval/line_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <plplot.h>

#include "mno/core/error.h"
#include "mno/eval/plot_axes.h"
#include "mno/eval/plot_rules.h"
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
  for (const auto& s : plot.series) {
    const auto where = fmt::format("{}: series '{}'", path, s.name);
    if (s.x.size() != s.y.size())
      throw mismatch_error(where, fmt::format("as many y values as x values ({})", s.x.size()), std::to_string(s.y.size()));
    check(!s.x.empty(), "{} has no points", where);
  }
  const std::vector<Series> drawn = drawn_points(plot);
  std::vector<Drawable> out;
  for (size_t k = 0; k < drawn.size(); ++k) {
    const auto& s = plot.series[k];
    const auto where = fmt::format("{}: series '{}'", path, s.name);
    Drawable d{s.name, {}, {}};
    for (size_t i = 0; i < drawn[k].x.size(); ++i) {
      d.x.push_back(plot.log_x ? std::log10(drawn[k].x[i]) : drawn[k].x[i]);
      d.y.push_back(plot.log_y ? std::log10(drawn[k].y[i]) : drawn[k].y[i]);
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

// The legend's size in mm: a line sample and the name per row, in a box with a little padding.
struct LegendSize {
  double width = 0, height = 0, pad = 0, row = 0, sample = 0, gap = 0;
};
LegendSize legend_size(const std::vector<Drawable>& series, double ch) {
  LegendSize s;
  s.pad = 0.6 * ch, s.row = 1.6 * ch, s.sample = 3.0 * ch, s.gap = 0.7 * ch;
  double text = 0;
  for (const auto& d : series) text = std::max(text, text_width(d.name, ch));
  s.width = 2 * s.pad + s.sample + s.gap + text;
  s.height = 2 * s.pad + static_cast<double>(series.size()) * s.row - (s.row - ch);
  return s;
}

// The data lines in the data area's coordinates, for placing the legend off them.
std::vector<Polyline> area_lines(const std::vector<Drawable>& series, PLFLT x0, PLFLT x1, PLFLT y0, PLFLT y1) {
  std::vector<Polyline> lines;
  for (const auto& s : series) {
    Polyline line;
    for (size_t i = 0; i < s.x.size(); ++i) line.push_back({(s.x[i] - x0) / (x1 - x0), (s.y[i] - y0) / (y1 - y0)});
    lines.push_back(std::move(line));
  }
  return lines;
}

int colour_of(size_t i) { return 1 + static_cast<int>(i % 10); }
int style_of(size_t i) { return 1 + static_cast<int>((i / 10) % 8); }  // solid for the first ten, then dashes

// Draws the legend with its top-left corner at (left, top) mm of the page.
void draw_legend(const std::vector<Drawable>& series, const LegendSize& size, double left, double top, const PageMm& page) {
  plvpor(0, 1, 0, 1);
  plwind(0, page.width, 0, page.height);
  PLFLT bx[4] = {left, left + size.width, left + size.width, left};
  PLFLT by[4] = {top, top, top - size.height, top - size.height};
  plcol0(0);  // the background: the box hides the grid under it
  plfill(4, bx, by);
  plcol0(kPlplotBlack);
  PLFLT ox[5] = {bx[0], bx[1], bx[2], bx[3], bx[0]}, oy[5] = {by[0], by[1], by[2], by[3], by[0]};
  plline(5, ox, oy);
  for (size_t i = 0; i < series.size(); ++i) {
    const double y = top - size.pad - 0.5 * page.char_height - static_cast<double>(i) * size.row;
    const double x = left + size.pad;
    plcol0(colour_of(i));
    pllsty(style_of(i));
    plwidth(2.0);
    if (series[i].x.size() == 1) {
      PLFLT px = x + size.sample / 2, py = y;
      plpoin(1, &px, &py, 4);
    } else {
      pljoin(x, y, x + size.sample, y);
    }
    pllsty(1);
    plwidth(1.0);
    plcol0(kPlplotBlack);
    plptex(x + size.sample + size.gap, y, 1, 0, 0, series[i].name.c_str());
  }
}

void draw(const LinePlot& plot, const std::vector<Drawable>& series) {
  for (int i = 0; i < 10; ++i) plscol0(i + 1, kPalette[i][0], kPalette[i][1], kPalette[i][2]);
  plscol0(kGridColour, 220, 220, 220);
  pladv(0);
  plschr(0, 0.8);
  const PageMm page = page_mm();
  const double ch = page.char_height;
  const auto [x0, x1] = range(series, &Drawable::x);
  const auto [y0, y1] = range(series, &Drawable::y);

  // Margins in mm, from what they hold: the title above; the x labels and title below; the y
  // labels and title on the left; the legend on the right when no corner inside is free of data.
  const double top = page.height - 3.0 * ch, bottom = 5.4 * ch;
  const auto y_ticks = axis_ticks({y0, y1, plot.log_y, top - bottom, ch, false});
  const double left = widest_label(y_ticks, ch) + 4.0 * ch;
  double right = page.width - 1.5 * ch;
  const LegendSize legend = legend_size(series, ch);
  LegendPlacement place = place_legend(area_lines(series, x0, x1, y0, y1), legend.width / (right - left),
                                       legend.height / (top - bottom));
  if (place.where == LegendPlacement::Where::outside_right) right -= legend.width + 1.5 * ch;
  const auto x_ticks = axis_ticks({x0, x1, plot.log_x, right - left, ch, true});

  set_viewport_mm(page, left, right, bottom, top);
  plwind(x0, x1, y0, y1);
  draw_axes(x_ticks, y_ticks, plot.x_label, plot.y_label, kGridColour);
  plmtex("t", 1.2, 0.5, 0.5, plot.title.c_str());

  for (size_t i = 0; i < series.size(); ++i) {
    const auto& s = series[i];
    plcol0(colour_of(i));
    pllsty(style_of(i));
    plwidth(2.0);
    const auto points = static_cast<PLINT>(s.x.size());
    if (points == 1)
      plpoin(1, s.x.data(), s.y.data(), 4);  // a lone point has no line: circle it
    else
      plline(points, s.x.data(), s.y.data());
  }
  pllsty(1);
  plwidth(1.0);
  const double area_w = right - left, area_h = top - bottom;
  if (place.where == LegendPlacement::Where::outside_right)
    draw_legend(series, legend, right + 1.5 * ch, top, page);
  else
    draw_legend(series, legend, left + place.x0 * area_w, bottom + place.y1 * area_h, page);
}

}  // namespace

std::vector<Series> drawn_points(const LinePlot& plot) {
  std::vector<Series> out;
  for (const auto& s : plot.series) {
    Series d{s.name, {}, {}};
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!drawable(s.x[i], plot.log_x) || !drawable(s.y[i], plot.log_y)) continue;
      d.x.push_back(s.x[i]);
      d.y.push_back(s.y[i]);
    }
    out.push_back(std::move(d));
  }
  return out;
}

void write_line_plot_png(const std::string& path, const LinePlot& plot) {
  const auto series = prepare(path, plot);
  write_plplot_png(path, 800, 560, [&] { draw(plot, series); });
}

}  // namespace mno::eval
