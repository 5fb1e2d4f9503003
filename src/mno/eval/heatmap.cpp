#include "mno/eval/heatmap.h"

#include <algorithm>
#include <cmath>

#include <plplot.h>

#include "mno/core/error.h"
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

void draw_panel(const Heatmap& p, PLFLT left, PLFLT right) {
  plvpor(left, right - 0.06, 0.12, 0.86);
  plwind(p.x_min, p.x_max, p.y_min, p.y_max);
  plcol0(kPlplotBlack);
  plbox("bcnst", 0, 0, "bcnstv", 0, 0);
  pllab("", "", p.title.c_str());
  auto [lo, hi] = std::minmax_element(p.values.begin(), p.values.end());
  PLFLT zmin = *lo, zmax = *hi;
  if (zmax <= zmin) zmax = zmin + 1e-12;
  std::vector<PLFLT> storage(p.values.begin(), p.values.end());
  std::vector<PLFLT*> rows(p.nx);
  for (size_t i = 0; i < p.nx; ++i) rows[i] = storage.data() + i * p.ny;
  plimage(rows.data(), static_cast<PLINT>(p.nx), static_cast<PLINT>(p.ny), p.x_min, p.x_max, p.y_min, p.y_max, zmin,
          zmax, p.x_min, p.x_max, p.y_min, p.y_max);
  plbox("bcst", 0, 0, "bcst", 0, 0);
  // Colour bar to the right of the panel.
  PLFLT bar_width, bar_height;
  PLINT label_opts[] = {PL_COLORBAR_LABEL_BOTTOM};
  const char* labels[] = {""};
  PLINT axis_opts_count = 1;
  const char* axis_opts[] = {"bcvtm"};
  PLFLT ticks[] = {0.0};
  PLINT sub_ticks[] = {0};
  PLINT n_values[] = {2};
  PLFLT range[] = {zmin, zmax};
  PLFLT* values[] = {range};
  plcolorbar(&bar_width, &bar_height, PL_COLORBAR_IMAGE | PL_COLORBAR_BOUNDING_BOX, PL_POSITION_RIGHT, 0.02, 0.0,
             0.04, 1.0, 0, kPlplotBlack, 1, 0.0, 0.0, 0, 0.0, 1, label_opts, labels, axis_opts_count, axis_opts, ticks, sub_ticks,
             n_values, values);
}

}  // namespace

void write_heatmaps_png(const std::string& path, const std::vector<Heatmap>& panels, const std::string& title) {
  check(!panels.empty(), "{}: no panels to plot", path);
  for (const auto& p : panels)
    check(p.nx >= 1 && p.ny >= 1 && p.values.size() == p.nx * p.ny, "{}: panel '{}' has {} values for {}x{}", path, p.title,
          p.values.size(), p.nx, p.ny);
  write_plplot_png(path, static_cast<int>(460 * panels.size()), 420, [&] {
    use_viridis();
    pladv(0);
    const PLFLT width = 1.0 / static_cast<PLFLT>(panels.size());
    for (size_t k = 0; k < panels.size(); ++k) draw_panel(panels[k], k * width + 0.07 * width, (k + 1) * width - 0.05 * width);
    if (!title.empty()) {
      plvpor(0, 1, 0, 1);
      plwind(0, 1, 0, 1);
      plcol0(kPlplotBlack);
      plschr(0, 0.9);
      plptex(0.5, 0.95, 1, 0, 0.5, title.c_str());
    }
  });
}

}  // namespace mno::eval
