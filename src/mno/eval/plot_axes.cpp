#include "mno/eval/plot_axes.h"

#include <algorithm>

#include <plplot.h>

#include "mno/eval/plplot_session.h"

namespace mno::eval {
namespace {

constexpr double kTickMm = 1.6;        // tick length, inward
constexpr double kXLabelGap = 1.5;     // character heights from the x axis to its labels' baseline
constexpr double kYLabelGap = 0.6;     // character heights from the y axis to its labels' right end

}  // namespace

PageMm page_mm() {
  PLFLT x0, x1, y0, y1, def, ht;
  plgspa(&x0, &x1, &y0, &y1);
  plgchr(&def, &ht);
  return {x1 - x0, y1 - y0, ht};
}

void set_viewport_mm(const PageMm& page, double left, double right, double bottom, double top) {
  plvpor(left / page.width, right / page.width, bottom / page.height, top / page.height);
}

bool any_superscript(const std::vector<Tick>& ticks) {
  return std::any_of(ticks.begin(), ticks.end(), [](const Tick& t) { return t.label.find("#u") != std::string::npos; });
}

double widest_label(const std::vector<Tick>& ticks, double char_height) {
  double w = 0;
  for (const Tick& t : ticks) w = std::max(w, text_width(t.label, char_height));
  return w;
}

void draw_axes(const std::vector<Tick>& x, const std::vector<Tick>& y, const std::string& x_title,
               const std::string& y_title, int grid_colour) {
  const PageMm page = page_mm();
  PLFLT vx0, vx1, vy0, vy1, wx0, wx1, wy0, wy1;
  plgvpd(&vx0, &vx1, &vy0, &vy1);
  plgvpw(&wx0, &wx1, &wy0, &wy1);
  const double width_mm = (vx1 - vx0) * page.width, height_mm = (vy1 - vy0) * page.height;
  const double tick_x = kTickMm * (wy1 - wy0) / height_mm, tick_y = kTickMm * (wx1 - wx0) / width_mm;
  const auto in_x = [&](double at) { return at >= std::min(wx0, wx1) && at <= std::max(wx0, wx1); };
  const auto in_y = [&](double at) { return at >= std::min(wy0, wy1) && at <= std::max(wy0, wy1); };
  if (grid_colour >= 0) {
    plcol0(grid_colour);
    for (const Tick& t : x)
      if (in_x(t.at)) pljoin(t.at, wy0, t.at, wy1);
    for (const Tick& t : y)
      if (in_y(t.at)) pljoin(wx0, t.at, wx1, t.at);
  }
  plcol0(kPlplotBlack);
  plbox("bc", 0, 0, "bc", 0, 0);
  const bool raised = any_superscript(x);
  for (const Tick& t : x) {
    if (!in_x(t.at)) continue;
    pljoin(t.at, wy0, t.at, wy0 + tick_x);
    pljoin(t.at, wy1, t.at, wy1 - tick_x);
    if (!t.label.empty()) plmtex("b", kXLabelGap + (raised ? 0.7 : 0), (t.at - wx0) / (wx1 - wx0), 0.5, t.label.c_str());
  }
  for (const Tick& t : y) {
    if (!in_y(t.at)) continue;
    pljoin(wx0, t.at, wx0 + tick_y, t.at);
    pljoin(wx1, t.at, wx1 - tick_y, t.at);
    if (!t.label.empty()) plmtex("lv", kYLabelGap, (t.at - wy0) / (wy1 - wy0), 1.0, t.label.c_str());
  }
  if (!x_title.empty()) plmtex("b", kXLabelGap + (raised ? 0.7 : 0) + 1.9, 0.5, 0.5, x_title.c_str());
  if (!y_title.empty())
    plmtex("l", kYLabelGap + widest_label(y, page.char_height) / page.char_height + 1.2, 0.5, 0.5, y_title.c_str());
}

}  // namespace mno::eval
