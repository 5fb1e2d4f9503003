#pragma once
// The rules every mno picture follows, as plain computations (no PLplot here, so each rule has a
// unit test):
//  - colour ranges: fields that are compared (truth and predictions) share one range, an error
//    panel gets a range symmetric about 0, so that equal colours mean equal values;
//  - tick labels never overlap: a label's extent is measured (DejaVu Sans advance widths, the font
//    the cairo device draws with) and labels are thinned until neighbours keep a gap;
//  - logarithmic axes label at least two, where they can three, ticks: decades when the data span
//    three or more, else 1-2-5 (or 1…9, or evenly spaced) values inside the range;
//  - a legend sits in the inside corner that no data line crosses, or outside the data area when
//    every corner is crossed.
#include <string>
#include <vector>

namespace mno::eval {

// ---- colour ranges --------------------------------------------------------------------------

struct ColourRange {
  double lo = 0, hi = 1;
};

// The range of the finite values of all the fields together (one colour scale for all of them).
// A constant or empty set gets a small non-empty range around its value.
ColourRange shared_colour_range(const std::vector<const std::vector<float>*>& fields);
// [-m, m] with m the largest finite |value| of all the fields: 0 in the middle of the scale, so that
// the sign of an error reads from its colour.
ColourRange symmetric_colour_range(const std::vector<const std::vector<float>*>& fields);

// ---- text extents ---------------------------------------------------------------------------

// Width of `text` as the cairo device draws it, in the units of `char_height` (PLplot's character
// height: the height of a digit). PLplot's escapes "#u" / "#d" (superscript / back) are understood:
// the raised part is drawn smaller.
double text_width(const std::string& text, double char_height);
// Height of `text`: one character height, more with a superscript.
double text_height(const std::string& text, double char_height);

// ---- ticks ----------------------------------------------------------------------------------

struct Tick {
  double at = 0;      // position in axis units (log10 of the value on a logarithmic axis)
  std::string label;  // "" for a tick drawn without a label (thinned)
};

// One axis as laid out: its data range in axis units, its length and the text size, both in the
// same unit (mm), and whether labels stand side by side along it (an x axis: their widths matter)
// or are stacked (a y axis with horizontal labels: their heights matter).
struct AxisLayout {
  double lo = 0, hi = 1;  // log10 of the values on a logarithmic axis
  bool logarithmic = false;
  double length = 100, char_height = 3;
  bool labels_side_by_side = true;
};

std::vector<Tick> axis_ticks(const AxisLayout& axis);

// The extent of each labelled tick along the axis, [from, to] in the axis' length unit from its low
// end, and whether any two neighbours come closer than a small gap. Used to choose the ticks and by
// tests to check them.
struct LabelBox {
  double from = 0, to = 0;
};
std::vector<LabelBox> label_boxes(const AxisLayout& axis, const std::vector<Tick>& ticks);
bool labels_overlap(const AxisLayout& axis, const std::vector<Tick>& ticks);

// ---- legends --------------------------------------------------------------------------------

// A point of a data line in the data area's own coordinates: (0, 0) bottom left, (1, 1) top right.
struct AreaPoint {
  double x = 0, y = 0;
};
using Polyline = std::vector<AreaPoint>;  // one point alone is a marker

struct LegendPlacement {
  enum class Where { top_right, top_left, bottom_right, bottom_left, middle_right, middle_left, outside_right };
  Where where = Where::top_right;
  // The legend box in area coordinates (inside), or beyond x = 1 (outside_right).
  double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
};

// Where a legend of width × height (area fractions) goes: the first inside corner (top right, top
// left, bottom right, bottom left), then the middle of the right or left side, whose box, with a
// margin of `margin` around it, no line or marker of `data` enters; outside to the right of the
// area when each of them is crossed.
LegendPlacement place_legend(const std::vector<Polyline>& data, double width, double height, double margin = 0.02);
// Whether a segment or marker of `data` enters the box [x0, x1] × [y0, y1].
bool data_enters_box(const std::vector<Polyline>& data, double x0, double x1, double y0, double y1);

}  // namespace mno::eval
