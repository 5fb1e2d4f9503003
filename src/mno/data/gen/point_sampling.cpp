#include "mno/data/gen/point_sampling.h"

#include <algorithm>
#include <cmath>

#include "mno/core/error.h"
#include "mno/data/gen/sample_random.h"

namespace mno::data::gen {

PointDensity parse_point_density(const std::string& name) {
  if (name == "uniform") return PointDensity::uniform;
  if (name == "clustered") return PointDensity::clustered;
  throw mismatch_error("--density", "uniform or clustered", "'" + name + "'");
}

std::vector<double> sample_points(size_t points, PointDensity density, uint64_t seed, uint64_t stream) {
  // A stream of its own: the tag keeps positions independent of the coefficient drawn for the
  // same (seed, sample).
  SampleRandom random(seed ^ 0x70f1a7c0ffee5eedULL, stream);
  std::vector<double> xy(2 * points);
  for (size_t i = 0; i < points; ++i) {
    double x = random.uniform(), y = random.uniform();
    if (density == PointDensity::clustered && i % 2 == 1) {
      // Near a wall: pick the wall, then the distance to it.
      const double d = std::min(std::abs(0.08 * random.normal()), 0.5);
      const uint64_t wall = random.next() % 4;
      if (wall == 0) x = d;
      if (wall == 1) x = 1.0 - d;
      if (wall == 2) y = d;
      if (wall == 3) y = 1.0 - d;
    }
    xy[2 * i] = x;
    xy[2 * i + 1] = y;
  }
  return xy;
}

namespace {

void check_field(const std::vector<double>& f, size_t resolution, const std::vector<double>& xy) {
  check(resolution >= 1 && f.size() == resolution * resolution, "point sampling: a field of {} values for a {}x{} grid",
        f.size(), resolution, resolution);
  check(xy.size() % 2 == 0, "point sampling: {} coordinates, expected two per point", xy.size());
}

}  // namespace

std::vector<double> nearest_cell_values(const std::vector<double>& f, size_t resolution, const std::vector<double>& xy) {
  check_field(f, resolution, xy);
  const double R = double(resolution);
  const auto cell = [&](double c) { return std::min(size_t(std::max(0.0, std::floor(c * R))), resolution - 1); };
  std::vector<double> out(xy.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) out[i] = f[cell(xy[2 * i]) * resolution + cell(xy[2 * i + 1])];
  return out;
}

std::vector<double> bilinear_values(const std::vector<double>& f, size_t resolution, const std::vector<double>& xy) {
  check_field(f, resolution, xy);
  const double R = double(resolution);
  // Cell centres sit at (k + 0.5)/R: c·R − 0.5 is the continuous centre index.
  const auto split = [&](double c, size_t& k0, size_t& k1, double& t) {
    const double s = std::clamp(c * R - 0.5, 0.0, R - 1.0);
    k0 = std::min(size_t(std::floor(s)), resolution - 1);
    k1 = std::min(k0 + 1, resolution - 1);
    t = s - double(k0);
  };
  std::vector<double> out(xy.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    size_t x0, x1, y0, y1;
    double tx, ty;
    split(xy[2 * i], x0, x1, tx);
    split(xy[2 * i + 1], y0, y1, ty);
    const auto at = [&](size_t a, size_t b) { return f[a * resolution + b]; };
    out[i] = (1 - tx) * ((1 - ty) * at(x0, y0) + ty * at(x0, y1)) + tx * ((1 - ty) * at(x1, y0) + ty * at(x1, y1));
  }
  return out;
}

}  // namespace mno::data::gen
