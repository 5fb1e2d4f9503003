#pragma once
// Axes drawn by mno's tick rules (plot_rules.h) rather than PLplot's own choice: a frame, ticks on
// all four sides, labels at the ticks chosen, an optional light grid. Works on the current PLplot
// viewport and window; every length is in millimetres of the page.
#include <string>
#include <vector>

#include "mno/eval/plot_rules.h"

namespace mno::eval {

// The page and the current character height in millimetres (after pladv and plschr).
struct PageMm {
  double width = 0, height = 0, char_height = 0;
};
PageMm page_mm();

// Sets the viewport to [left, right] × [bottom, top] millimetres of the page.
void set_viewport_mm(const PageMm& page, double left, double right, double bottom, double top);

// Whether any label has a superscript (it needs more room below an x axis).
bool any_superscript(const std::vector<Tick>& ticks);
// The widest label, in mm.
double widest_label(const std::vector<Tick>& ticks, double char_height);

// Draws the frame of the current viewport, the ticks, their labels (x below, y left and
// horizontal) and, with grid_colour >= 0, grid lines at every tick in that colour-map-0 colour.
// The axis titles go outside the labels; an empty title is not drawn.
void draw_axes(const std::vector<Tick>& x, const std::vector<Tick>& y, const std::string& x_title,
               const std::string& y_title, int grid_colour);

}  // namespace mno::eval
