#include "mno/eval/plot_rules.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>

namespace mno::eval {
namespace {

// ---- colour ranges --------------------------------------------------------------------------

// A range that a colour map can be drawn over: a single value gets a sliver around it.
ColourRange widened(double lo, double hi) {
  if (!(lo <= hi)) return {0, 1};  // no finite value at all
  if (hi > lo) return {lo, hi};
  const double pad = std::max(1e-3 * std::abs(lo), 1e-12);
  return {lo - pad, hi + pad};
}

// ---- text -----------------------------------------------------------------------------------

// DejaVu Sans advance widths of printable ASCII (space … '~'), in em.
constexpr double kAdvance[95] = {
    0.318, 0.401, 0.460, 0.838, 0.636, 0.950, 0.780, 0.275, 0.390, 0.390, 0.500, 0.838, 0.318, 0.361, 0.318, 0.337,  // ' '…'/'
    0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636,                                            // digits
    0.337, 0.337, 0.838, 0.838, 0.838, 0.531, 1.000,                                                                 // ':'…'@'
    0.684, 0.686, 0.698, 0.770, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863,                       // A…M
    0.748, 0.787, 0.603, 0.787, 0.695, 0.635, 0.611, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685,                       // N…Z
    0.390, 0.337, 0.390, 0.838, 0.500, 0.500,                                                                        // '['…'`'
    0.613, 0.635, 0.550, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974,                       // a…m
    0.634, 0.612, 0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525,                       // n…z
    0.636, 0.337, 0.636, 0.838};                                                                                     // '{'…'~'
// PLplot's character height is the height of a digit; the cairo device's em is this much larger
// (measured: ten digits at a character height of 13.6 px are 117 px wide).
constexpr double kEmPerCharHeight = 1.36;
constexpr double kSuperscriptScale = 0.8;

// ---- ticks ----------------------------------------------------------------------------------

constexpr double kEps = 1e-9;

bool inside(double at, const AxisLayout& a) { return at >= a.lo - kEps * (a.hi - a.lo) && at <= a.hi + kEps * (a.hi - a.lo); }

std::string printf_string(const char* format, int digits, double v) {
  char s[64];
  std::snprintf(s, sizeof s, format, digits, v);
  return s;
}

// A value on an axis whose ticks are `step` apart: as many decimals as the step needs; scientific
// for very large or very small numbers. "-0" is written "0".
std::string linear_label(double v, double step) {
  if (std::abs(v) < 1e-9 * step) v = 0;
  const double magnitude = std::max(std::abs(v), step);
  // Scientific for numbers too large or too small to read in decimals (their step is then small
  // too: 0.9999, 1.0000, 1.0001 stay decimal).
  if (magnitude >= 1e5 || magnitude < 1e-3) {
    const int significant = std::max(1, static_cast<int>(std::floor(std::log10(magnitude) + kEps)) -
                                            static_cast<int>(std::floor(std::log10(step) + kEps)) + 1);
    return v == 0 ? std::string("0") : printf_string("%.*e", std::min(significant - 1, 6), v);
  }
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + kEps)));
  return printf_string("%.*f", decimals, v);
}

// Evenly spaced ticks at a 1-2-5 step over [lo, hi] (values, not logarithms), about `wanted` of them.
std::vector<double> nice_values(double lo, double hi, int wanted, double* step_out) {
  const double raw = (hi - lo) / std::max(wanted, 1);
  const double decade = std::pow(10.0, std::floor(std::log10(raw)));
  double step = decade;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * decade >= raw * (1 - kEps)) {
      step = m * decade;
      break;
    }
  std::vector<double> v;
  for (double k = std::ceil(lo / step - kEps); k * step <= hi + kEps * step; k += 1) v.push_back(k * step);
  if (step_out) *step_out = step;
  return v;
}

// Keeps the label of every m-th tick (by `index`), clearing the others.
std::vector<Tick> thinned(const std::vector<Tick>& ticks, int m, const std::function<long(size_t)>& index) {
  std::vector<Tick> out = ticks;
  for (size_t i = 0; i < out.size(); ++i)
    if (index(i) % m != 0) out[i].label.clear();
  return out;
}

size_t labelled(const std::vector<Tick>& ticks) {
  return static_cast<size_t>(std::count_if(ticks.begin(), ticks.end(), [](const Tick& t) { return !t.label.empty(); }));
}

// The smallest thinning of `ticks` whose labels do not overlap (every tick stays, some lose their label).
std::vector<Tick> thin_until_apart(const AxisLayout& axis, const std::vector<Tick>& ticks,
                                   const std::function<long(size_t)>& index) {
  for (int m : {1, 2, 3, 4, 5, 10, 20, 50, 100, 200, 500, 1000}) {
    auto t = thinned(ticks, m, index);
    if (!labels_overlap(axis, t) && labelled(t) >= 1) return t;
  }
  // Even one label per thousand ticks collides: keep the first label only.
  return thinned(ticks, static_cast<int>(ticks.size()) + 1, [](size_t i) { return static_cast<long>(i); });
}

std::vector<Tick> linear_ticks(const AxisLayout& axis) {
  // From dense to sparse: the densest 1-2-5 spacing whose labels keep apart, with at least two.
  for (int wanted : {10, 8, 6, 5, 4, 3, 2}) {
    double step = 0;
    const auto values = nice_values(axis.lo, axis.hi, wanted, &step);
    std::vector<Tick> ticks;
    for (double v : values) ticks.push_back({v, linear_label(v, step)});
    if (ticks.size() >= 2 && !labels_overlap(axis, ticks)) return ticks;
  }
  double step = 0;
  std::vector<Tick> ticks;
  for (double v : nice_values(axis.lo, axis.hi, 2, &step)) ticks.push_back({v, linear_label(v, step)});
  return thin_until_apart(axis, ticks, [](size_t i) { return static_cast<long>(i); });
}

std::string decade_label(long exponent, bool plain) {
  if (plain) return linear_label(std::pow(10.0, static_cast<double>(exponent)), std::pow(10.0, static_cast<double>(exponent)));
  return "10#u" + std::to_string(exponent) + "#d";
}

// 10^n for each integer n in range, written 0.01 … 1000 when every one of them is in that span.
std::vector<Tick> decades(const AxisLayout& axis) {
  std::vector<Tick> ticks;
  const long first = static_cast<long>(std::ceil(axis.lo - kEps)), last = static_cast<long>(std::floor(axis.hi + kEps));
  const bool plain = first >= -2 && last <= 3;
  for (long n = first; n <= last; ++n) ticks.push_back({static_cast<double>(n), decade_label(n, plain)});
  return ticks;
}

// m·10^n for the mantissas given, inside the range, labelled as plain numbers.
std::vector<Tick> mantissa_ticks(const AxisLayout& axis, const std::vector<int>& mantissas) {
  std::vector<Tick> ticks;
  const long first = static_cast<long>(std::floor(axis.lo)) - 1, last = static_cast<long>(std::ceil(axis.hi));
  for (long n = first; n <= last; ++n)
    for (int m : mantissas) {
      const double v = m * std::pow(10.0, static_cast<double>(n)), at = std::log10(v);
      if (inside(at, axis)) ticks.push_back({at, linear_label(v, std::pow(10.0, static_cast<double>(n)))});
    }
  return ticks;
}

// Evenly spaced values (a 1-2-5 step) inside a range too narrow for any of 1…9 × 10^n.
std::vector<Tick> evenly_spaced_ticks(const AxisLayout& axis, int wanted) {
  double step = 0;
  std::vector<Tick> ticks;
  for (double v : nice_values(std::pow(10.0, axis.lo), std::pow(10.0, axis.hi), wanted, &step))
    if (v > 0 && inside(std::log10(v), axis)) ticks.push_back({std::log10(v), linear_label(v, step)});
  return ticks;
}

std::vector<Tick> log_ticks(const AxisLayout& axis) {
  const auto by_index = [](size_t i) { return static_cast<long>(i); };
  const auto ten = decades(axis);
  if (ten.size() >= 3) {
    // Many decades: a tick at each, labels at exponents divisible by the thinning (10^-16, 10^-12, …).
    const long first = static_cast<long>(std::lround(ten.front().at));
    return thin_until_apart(axis, ten, [first](size_t i) { return first + static_cast<long>(i); });
  }
  // Under three decades: the first of 1-2-5, 1…9 and evenly spaced values that labels three ticks
  // whose labels keep apart.
  const std::vector<std::vector<Tick>> candidates{mantissa_ticks(axis, {1, 2, 5}), mantissa_ticks(axis, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
                                                  evenly_spaced_ticks(axis, 5), evenly_spaced_ticks(axis, 8),
                                                  evenly_spaced_ticks(axis, 3)};
  for (const auto& c : candidates)
    if (c.size() >= 3 && !labels_overlap(axis, c)) return c;
  // None: the candidate that keeps the most labels once thinned apart (two decades, say).
  std::vector<Tick> best = thin_until_apart(axis, ten, by_index);
  for (const auto& c : candidates) {
    auto t = thin_until_apart(axis, c, by_index);
    if (labelled(t) > labelled(best)) best = std::move(t);
  }
  return best;
}

// ---- legends --------------------------------------------------------------------------------

// Whether the segment a-b meets the box (Liang-Barsky clipping).
bool segment_meets_box(AreaPoint a, AreaPoint b, double x0, double x1, double y0, double y1) {
  double t0 = 0, t1 = 1;
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double p[4] = {-dx, dx, -dy, dy}, q[4] = {a.x - x0, x1 - a.x, a.y - y0, y1 - a.y};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return false;
      continue;
    }
    const double r = q[i] / p[i];
    if (p[i] < 0) t0 = std::max(t0, r);
    else t1 = std::min(t1, r);
    if (t0 > t1) return false;
  }
  return true;
}

bool finite(AreaPoint p) { return std::isfinite(p.x) && std::isfinite(p.y); }

}  // namespace

ColourRange shared_colour_range(const std::vector<const std::vector<float>*>& fields) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto* f : fields)
    for (float v : *f)
      if (std::isfinite(v)) lo = std::min<double>(lo, v), hi = std::max<double>(hi, v);
  return widened(lo, hi);
}

ColourRange symmetric_colour_range(const std::vector<const std::vector<float>*>& fields) {
  double m = 0;
  for (const auto* f : fields)
    for (float v : *f)
      if (std::isfinite(v)) m = std::max<double>(m, std::abs(v));
  if (m == 0) m = 1e-12;
  return {-m, m};
}

double text_width(const std::string& text, double char_height) {
  double em = 0, scale = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '#' && i + 1 < text.size() && (text[i + 1] == 'u' || text[i + 1] == 'd')) {
      scale = text[i + 1] == 'u' ? kSuperscriptScale : 1;
      ++i;
      continue;
    }
    if (c >= 32 && c < 127) em += scale * kAdvance[c - 32];
    else if ((c & 0xC0) != 0x80) em += scale * 0.7;  // the first byte of a non-ASCII character
  }
  return em * kEmPerCharHeight * char_height;
}

double text_height(const std::string& text, double char_height) {
  return text.find("#u") != std::string::npos ? 1.7 * char_height : char_height;
}

std::vector<LabelBox> label_boxes(const AxisLayout& axis, const std::vector<Tick>& ticks) {
  std::vector<LabelBox> boxes;
  const double span = axis.hi > axis.lo ? axis.hi - axis.lo : 1;
  for (const Tick& t : ticks) {
    if (t.label.empty()) continue;
    const double centre = (t.at - axis.lo) / span * axis.length;
    const double extent = axis.labels_side_by_side ? text_width(t.label, axis.char_height) : text_height(t.label, axis.char_height);
    boxes.push_back({centre - extent / 2, centre + extent / 2});
  }
  return boxes;
}

bool labels_overlap(const AxisLayout& axis, const std::vector<Tick>& ticks) {
  // Side by side, a gap of about a digit's width; stacked, a quarter of a line.
  const double gap = (axis.labels_side_by_side ? 0.6 : 0.25) * axis.char_height;
  const auto boxes = label_boxes(axis, ticks);
  for (size_t i = 1; i < boxes.size(); ++i)
    if (boxes[i].from < boxes[i - 1].to + gap) return true;
  return false;
}

std::vector<Tick> axis_ticks(const AxisLayout& in) {
  AxisLayout axis = in;
  if (!(axis.hi > axis.lo)) axis.hi = axis.lo + 1;  // callers pad their ranges; never divide by zero
  return axis.logarithmic ? log_ticks(axis) : linear_ticks(axis);
}

bool data_enters_box(const std::vector<Polyline>& data, double x0, double x1, double y0, double y1) {
  for (const auto& line : data) {
    if (line.size() == 1 && finite(line[0]) && segment_meets_box(line[0], line[0], x0, x1, y0, y1)) return true;
    for (size_t i = 1; i < line.size(); ++i)
      if (finite(line[i - 1]) && finite(line[i]) && segment_meets_box(line[i - 1], line[i], x0, x1, y0, y1)) return true;
  }
  return false;
}

LegendPlacement place_legend(const std::vector<Polyline>& data, double width, double height, double margin) {
  using Where = LegendPlacement::Where;
  for (Where where : {Where::top_right, Where::top_left, Where::bottom_right, Where::bottom_left, Where::middle_right,
                      Where::middle_left}) {
    const bool right = where == Where::top_right || where == Where::bottom_right || where == Where::middle_right;
    const bool top = where == Where::top_right || where == Where::top_left;
    const bool middle = where == Where::middle_right || where == Where::middle_left;
    const double y0 = middle ? 0.5 - height / 2 : top ? 1 - margin - height : margin;
    LegendPlacement p{where, right ? 1 - margin - width : margin, right ? 1 - margin : margin + width, y0, y0 + height};
    if (width + 2 * margin <= 1 && height + 2 * margin <= 1 &&
        !data_enters_box(data, p.x0 - margin / 2, p.x1 + margin / 2, p.y0 - margin / 2, p.y1 + margin / 2))
      return p;
  }
  return {Where::outside_right, 1 + margin, 1 + margin + width, 1 - height, 1};
}

}  // namespace mno::eval
