#include "mno/eval/heatmap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <plplot.h>

#include "mno/core/error.h"
#include "mno/eval/plot_axes.h"
#include "mno/eval/plplot_session.h"

namespace mno::eval {
namespace {

// Eight control points of matplotlib's viridis (perceptually uniform, colour-blind safe).
void use_viridis() {
  PLFLT position[] = {0.0, 0.143, 0.286, 0.429, 0.571, 0.714, 0.857, 1.0};
  PLFLT red[] = {0.267, 0.275, 0.212, 0.153, 0.122, 0.290, 0.627, 0.993};
  PLFLT green[] = {0.005, 0.194, 0.359, 0.498, 0.633, 0.761, 0.866, 0.906};
  PLFLT blue[] = {0.329, 0.496, 0.552, 0.558, 0.531, 0.428, 0.204, 0.144};
  plscmap1l(1, 8, position, red, green, blue, nullptr);
}

// The sheet's layout in pixels, so that labels keep their room at any panel count and grid size:
// each panel slot holds the y tick labels, a square image, and the colour bar with its labels.
struct Layout {
  static constexpr int kSlotWidth = 490, kLeft = 82, kBarGap = 14, kBar = 18, kBarLabels = 78;
  static constexpr int kBottom = 64, kPanelTitle = 44, kSheetTitle = 44;
  int panels = 1;
  bool titled = false;
  int width() const { return kSlotWidth * panels; }
  int image_side() const { return kSlotWidth - kLeft - kBarGap - kBar - kBarLabels; }
  int height() const { return kBottom + image_side() + kPanelTitle + (titled ? kSheetTitle : 0); }
};

// Colour-bar tick labels with their exponent written out ("2.5e-03"): PLplot's shared "(x10⁻²)"
// label sits above the bar, outside the room it has, and was cut off.
struct BarRange {
  PLFLT zmin, zmax;
};
void bar_label(PLINT, PLFLT value, char* label, PLINT length, PLPointer data) {
  const auto& bar = *static_cast<const BarRange*>(data);
  std::snprintf(label, static_cast<size_t>(length), "%s", colour_bar_label(value, bar.zmin, bar.zmax).c_str());
}

// The colour bar as a viewport of its own, exactly beside the image and as tall as it (PLplot's
// plcolorbar places its body and its label box by rules of its own), labels on its right.
void draw_colour_bar(PLFLT left, PLFLT right, PLFLT bottom, PLFLT top, PLFLT zmin, PLFLT zmax) {
  constexpr int kSteps = 256;
  std::vector<PLFLT> ramp(kSteps);
  for (int i = 0; i < kSteps; ++i) ramp[i] = zmin + (zmax - zmin) * i / (kSteps - 1);
  PLFLT* columns[2] = {ramp.data(), ramp.data()};  // two identical columns: [x][y]
  plvpor(left, right, bottom, top);
  plwind(0, 1, zmin, zmax);
  plimage(columns, 2, kSteps, 0, 1, zmin, zmax, zmin, zmax, 0, 1, zmin, zmax);
  plcol0(kPlplotBlack);
  BarRange bar{zmin, zmax};
  plslabelfunc(bar_label, &bar);
  plbox("bc", 0, 0, "bcmtvo", 0, 0);
  plslabelfunc(nullptr, nullptr);
}

void draw_panel(const Heatmap& p, const Layout& layout, int slot) {
  const double w = layout.width(), h = layout.height();
  const double x0 = slot * Layout::kSlotWidth + Layout::kLeft, side = layout.image_side();
  plvpor(x0 / w, (x0 + side) / w, Layout::kBottom / h, (Layout::kBottom + side) / h);
  plwind(p.x_min, p.x_max, p.y_min, p.y_max);
  const ColourRange range = colour_range_of(p);
  const PLFLT zmin = range.lo, zmax = range.hi;
  if (p.scattered()) {
    // One filled dot per point, coloured by its value on the same map as the colour bar.
    for (size_t k = 0; k < p.values.size(); ++k) {
      const double t = zmax > zmin ? (p.values[k] - zmin) / (zmax - zmin) : 0.5;
      plcol1(std::clamp(t, 0.0, 1.0));
      PLFLT x = p.point_x[k], y = p.point_y[k];
      plpoin(1, &x, &y, 17);
    }
  } else {
    std::vector<PLFLT> storage(p.values.begin(), p.values.end());
    std::vector<PLFLT*> rows(p.nx);
    for (size_t i = 0; i < p.nx; ++i) rows[i] = storage.data() + i * p.ny;
    // plimagefr, not plimage: plimage maps its colours to the data's own minimum and maximum whatever
    // zmin and zmax say, which drew a flat prediction with the full colour map beside the truth.
    plimagefr(rows.data(), static_cast<PLINT>(p.nx), static_cast<PLINT>(p.ny), p.x_min, p.x_max, p.y_min, p.y_max, zmin,
              zmax, zmin, zmax, nullptr, nullptr);
  }
  // Ticks by the shared rules (labels never collide), the axes named.
  const PageMm page = page_mm();
  const double side_mm = side * page.width / w;
  draw_axes(axis_ticks({p.x_min, p.x_max, false, side_mm, page.char_height, true}),
            axis_ticks({p.y_min, p.y_max, false, side_mm, page.char_height, false}), p.x_label, p.y_label, -1);
  draw_colour_bar((x0 + side + Layout::kBarGap) / w, (x0 + side + Layout::kBarGap + Layout::kBar) / w,
                  Layout::kBottom / h, (Layout::kBottom + side) / h, zmin, zmax);
  // The panel title in the middle of its band, placed in pixels like the sheet title: PLplot's own
  // title (pllab) sits a number of character heights above the box, and on a wide sheet of many
  // panels that reached up into the sheet title's band.
  plvpor(0, 1, 0, 1);
  plwind(0, w, 0, h);
  plcol0(kPlplotBlack);
  plptex(x0 + side / 2, Layout::kBottom + side + 0.5 * Layout::kPanelTitle, 1, 0, 0.5, p.title.c_str());
}

}  // namespace

ColourRange colour_range_of(const Heatmap& panel) {
  if (panel.colour_range) return *panel.colour_range;
  return shared_colour_range({&panel.values});
}

void share_colour_scales(const std::vector<Heatmap*>& compared, const std::vector<Heatmap*>& errors) {
  std::vector<const std::vector<float>*> fields, differences;
  for (const Heatmap* h : compared) fields.push_back(&h->values);
  for (const Heatmap* h : errors) differences.push_back(&h->values);
  const ColourRange field_range = shared_colour_range(fields), error_range = symmetric_colour_range(differences);
  for (Heatmap* h : compared) h->colour_range = field_range;
  for (Heatmap* h : errors) h->colour_range = error_range;
}

std::string colour_bar_label(double value, double zmin, double zmax) {
  const double span = zmax - zmin, magnitude = std::max(std::abs(zmin), std::abs(zmax));
  if (std::abs(value) < 1e-6 * span) value = 0;
  // Enough digits for neighbouring ticks to differ: about log10(magnitude / span) of them are shared.
  const double ratio = span > 0 && magnitude > 0 ? magnitude / span : 1.0;
  const int digits = std::clamp(static_cast<int>(std::ceil(std::log10(std::min(ratio, 1e6)))) + 2, 3, 5);
  char label[32];
  std::snprintf(label, sizeof label, "%.*g", digits, value);
  return label;
}

void write_heatmaps_png(const std::string& path, const std::vector<Heatmap>& panels, const std::string& title) {
  check(!panels.empty(), "{}: no panels to plot", path);
  for (const auto& p : panels) {
    if (p.scattered())
      check(!p.values.empty() && p.point_x.size() == p.values.size() && p.point_y.size() == p.values.size(),
            "{}: panel '{}' has {} values for {} x and {} y positions", path, p.title, p.values.size(), p.point_x.size(),
            p.point_y.size());
    else
      check(p.nx >= 1 && p.ny >= 1 && p.values.size() == p.nx * p.ny, "{}: panel '{}' has {} values for {}x{}", path,
            p.title, p.values.size(), p.nx, p.ny);
  }
  const Layout layout{static_cast<int>(panels.size()), !title.empty()};
  write_plplot_png(path, layout.width(), layout.height(), [&] {
    use_viridis();
    pladv(0);
    // PLplot sizes characters in proportion to the page width; keep them the size they have on a
    // two-panel sheet, so that a wide sheet's labels do not outgrow the room laid out for them.
    plschr(0, 0.85 * std::min(1.0, 2.0 * Layout::kSlotWidth / layout.width()));
    for (size_t k = 0; k < panels.size(); ++k) draw_panel(panels[k], layout, static_cast<int>(k));
    if (!title.empty()) {  // in its own band above the panel titles
      plvpor(0, 1, 0, 1);
      plwind(0, 1, 0, 1);
      plcol0(kPlplotBlack);
      plptex(0.5, 1.0 - 0.6 * Layout::kSheetTitle / layout.height(), 1, 0, 0.5, title.c_str());
    }
  });
}

}  // namespace mno::eval
