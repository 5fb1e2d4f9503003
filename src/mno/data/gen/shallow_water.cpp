#include "mno/data/gen/shallow_water.h"

#include <algorithm>
#include <cmath>

#include "mno/core/error.h"
#include "mno/data/gen/sample_random.h"

namespace mno::data::gen {
namespace {

double minmod(double a, double b) {
  if (a * b <= 0.0) return 0.0;
  return std::abs(a) < std::abs(b) ? a : b;
}

struct Primitive {
  double h, un, ut;  // depth, normal and tangential velocity
};

struct Flux {
  double mass, normal, tangential;
};

// Dry cells (h below this) carry no velocity; avoids dividing momentum by ~0.
constexpr double kDry = 1e-12;

Flux physical_flux(const Primitive& p, double g) {
  const double q = p.h * p.un;
  return {q, q * p.un + 0.5 * g * p.h * p.h, q * p.ut};
}

// HLL flux across a face with left/right states, wave speeds bounded by Einfeldt's estimates
// (Roe averages), which make HLL positivity preserving.
Flux hll(const Primitive& l, const Primitive& r, double g) {
  const double cl = std::sqrt(g * l.h), cr = std::sqrt(g * r.h);
  const double sl_root = std::sqrt(l.h), sr_root = std::sqrt(r.h);
  double sl, sr;
  if (sl_root + sr_root > 0) {
    const double u_roe = (sl_root * l.un + sr_root * r.un) / (sl_root + sr_root);
    const double c_roe = std::sqrt(0.5 * g * (l.h + r.h));
    sl = std::min(l.un - cl, u_roe - c_roe);
    sr = std::max(r.un + cr, u_roe + c_roe);
  } else {
    return {0.0, 0.0, 0.0};
  }
  const Flux fl = physical_flux(l, g), fr = physical_flux(r, g);
  if (sl >= 0) return fl;
  if (sr <= 0) return fr;
  const double inv = 1.0 / (sr - sl);
  auto blend = [&](double f_l, double f_r, double q_l, double q_r) {
    return (sr * f_l - sl * f_r + sl * sr * (q_r - q_l)) * inv;
  };
  return {blend(fl.mass, fr.mass, l.h, r.h), blend(fl.normal, fr.normal, l.h * l.un, r.h * r.un),
          blend(fl.tangential, fr.tangential, l.h * l.ut, r.h * r.ut)};
}

}  // namespace

ShallowWaterSolver::ShallowWaterSolver(ShallowWaterGrid grid, double gravity, WaterBoundary boundary, double cfl)
    : grid_(grid), g_(gravity), boundary_(boundary), cfl_(cfl) {
  check(grid.nx >= 2 && grid.ny >= 2, "shallow water: grid {}x{} too small (at least 2x2)", grid.nx, grid.ny);
  check(gravity > 0, "shallow water: gravity must be positive, found {}", gravity);
}

double ShallowWaterSolver::stable_dt(const ShallowWaterState& q) const {
  double sx = 0.0, sy = 0.0;
  for (size_t k = 0; k < q.h.size(); ++k) {
    const double h = q.h[k];
    if (h <= kDry) continue;
    const double c = std::sqrt(g_ * h);
    sx = std::max(sx, std::abs(q.hu[k] / h) + c);
    sy = std::max(sy, std::abs(q.hv[k] / h) + c);
  }
  const double rate = sx / grid_.dx() + sy / grid_.dy();
  return rate > 0 ? cfl_ / rate : 1e30;
}

// dq = −div F(q). Each sweep walks grid lines of `n` cells (cell k of a line at flat index
// first + k·step), reconstructs both sides of every face, and adds −(F_right − F_left)/spacing.
void ShallowWaterSolver::rate(const ShallowWaterState& q, ShallowWaterState& dq) const {
  const size_t nx = grid_.nx, ny = grid_.ny;
  std::fill(dq.h.begin(), dq.h.end(), 0.0);
  std::fill(dq.hu.begin(), dq.hu.end(), 0.0);
  std::fill(dq.hv.begin(), dq.hv.end(), 0.0);
  const bool wall = boundary_ == WaterBoundary::wall;

  auto sweep = [&](size_t n, size_t lines, size_t step, size_t line_step, bool normal_is_x, double spacing) {
    std::vector<Primitive> cells(n + 4);  // two ghost cells on each side
    std::vector<Primitive> slope(n + 2);
    for (size_t line = 0; line < lines; ++line) {
      const size_t first = line * line_step;
      for (size_t k = 0; k < n; ++k) {
        const size_t f = first + k * step;
        const double h = q.h[f];
        const double mu = normal_is_x ? q.hu[f] : q.hv[f], mt = normal_is_x ? q.hv[f] : q.hu[f];
        cells[k + 2] = h > kDry ? Primitive{h, mu / h, mt / h} : Primitive{std::max(h, 0.0), 0.0, 0.0};
      }
      // Two ghost cells per side: outflow copies the edge cell (zero gradient); a wall mirrors
      // the cells next to it and reverses their normal velocity.
      for (size_t g = 0; g < 2; ++g) {
        Primitive lo = wall ? cells[2 + g] : cells[2];
        Primitive hi = wall ? cells[n + 1 - g] : cells[n + 1];
        if (wall) {
          lo.un = -lo.un;
          hi.un = -hi.un;
        }
        cells[1 - g] = lo;
        cells[n + 2 + g] = hi;
      }
      // Limited slopes for cells −1 … n (the ghosts adjacent to the domain need one too).
      for (size_t k = 1; k <= n + 2; ++k) {
        const Primitive &a = cells[k - 1], &b = cells[k], &c = cells[k + 1];
        slope[k - 1] = {minmod(b.h - a.h, c.h - b.h), minmod(b.un - a.un, c.un - b.un), minmod(b.ut - a.ut, c.ut - b.ut)};
      }
      double previous_mass = 0, previous_normal = 0, previous_tangential = 0;
      for (size_t face = 0; face <= n; ++face) {  // face between cells face−1 and face
        const Primitive& cl = cells[face + 1];
        const Primitive& cr = cells[face + 2];
        const Primitive& sl = slope[face];
        const Primitive& sr = slope[face + 1];
        const Primitive left{cl.h + 0.5 * sl.h, cl.un + 0.5 * sl.un, cl.ut + 0.5 * sl.ut};
        const Primitive right{cr.h - 0.5 * sr.h, cr.un - 0.5 * sr.un, cr.ut - 0.5 * sr.ut};
        Flux flux = hll(left, right, g_);
        if (wall && (face == 0 || face == n)) flux.mass = 0.0;  // closed: exactly no mass through a wall
        if (face > 0) {
          const size_t f = first + (face - 1) * step;
          dq.h[f] -= (flux.mass - previous_mass) / spacing;
          (normal_is_x ? dq.hu : dq.hv)[f] -= (flux.normal - previous_normal) / spacing;
          (normal_is_x ? dq.hv : dq.hu)[f] -= (flux.tangential - previous_tangential) / spacing;
        }
        previous_mass = flux.mass;
        previous_normal = flux.normal;
        previous_tangential = flux.tangential;
      }
    }
  };
  sweep(nx, ny, ny, 1, true, grid_.dx());   // x faces: line j, cells i*ny + j
  sweep(ny, nx, 1, ny, false, grid_.dy());  // y faces: line i, cells i*ny + j
}

size_t ShallowWaterSolver::advance(ShallowWaterState& q, double from, double to) const {
  ShallowWaterState k1{q.h, q.hu, q.hv}, stage{q.h, q.hu, q.hv}, k2{q.h, q.hu, q.hv};
  double t = from;
  size_t steps = 0;
  while (t < to) {
    double dt = stable_dt(q);
    if (t + dt >= to || to - (t + dt) < 1e-12 * std::max(1.0, to)) dt = to - t;
    rate(q, k1);
    for (size_t k = 0; k < q.h.size(); ++k) {
      stage.h[k] = q.h[k] + dt * k1.h[k];
      stage.hu[k] = q.hu[k] + dt * k1.hu[k];
      stage.hv[k] = q.hv[k] + dt * k1.hv[k];
    }
    rate(stage, k2);
    for (size_t k = 0; k < q.h.size(); ++k) {
      q.h[k] = 0.5 * (q.h[k] + stage.h[k] + dt * k2.h[k]);
      q.hu[k] = 0.5 * (q.hu[k] + stage.hu[k] + dt * k2.hu[k]);
      q.hv[k] = 0.5 * (q.hv[k] + stage.hv[k] + dt * k2.hv[k]);
    }
    t = (dt == to - t) ? to : t + dt;
    ++steps;
    check(steps < 100000000, "shallow water: no progress in time (t = {})", t);
  }
  return steps;
}

double dam_radius(const DamBreakParams& p, uint64_t seed, uint64_t sample) {
  SampleRandom random(seed, sample);
  return random.uniform(p.radius_min, p.radius_max);
}

FloatArray simulate_radial_dam_break(const DamBreakParams& p, double radius) {
  check(p.frames >= 2, "shallow water: at least 2 frames, found {}", p.frames);
  ShallowWaterGrid grid;
  grid.nx = grid.ny = p.resolution;
  const ShallowWaterSolver solver(grid, p.gravity, p.boundary);
  const size_t R = p.resolution;
  ShallowWaterState q{std::vector<double>(R * R), std::vector<double>(R * R, 0.0), std::vector<double>(R * R, 0.0)};
  for (size_t i = 0; i < R; ++i)
    for (size_t j = 0; j < R; ++j)
      q.h[i * R + j] = std::hypot(grid.x(i), grid.y(j)) <= radius ? p.inner_height : p.outer_height;
  FloatArray frames({p.frames, R, R, 1});
  auto save = [&](size_t f) {
    for (size_t k = 0; k < R * R; ++k) frames.values[f * R * R + k] = static_cast<float>(q.h[k]);
  };
  save(0);
  for (size_t f = 1; f < p.frames; ++f) {
    const double dt_save = p.final_time / static_cast<double>(p.frames - 1);
    solver.advance(q, dt_save * static_cast<double>(f - 1), dt_save * static_cast<double>(f));
    save(f);
  }
  return frames;
}

double dam_break_exact_depth(double hl, double hr, double g, double xi) {
  check(hl > hr && hr > 0, "dam break: expected h_left > h_right > 0, found {} and {}", hl, hr);
  const double cl = std::sqrt(g * hl);
  // Middle depth: left rarefaction velocity 2(cl − cm) equals the right shock's jump velocity.
  auto mismatch = [&](double hm) {
    return 2.0 * (cl - std::sqrt(g * hm)) - (hm - hr) * std::sqrt(0.5 * g * (hm + hr) / (hm * hr));
  };
  double lo = hr, hi = hl;
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    (mismatch(mid) > 0 ? lo : hi) = mid;
  }
  const double hm = 0.5 * (lo + hi), cm = std::sqrt(g * hm);
  const double um = 2.0 * (cl - cm);
  const double shock = hm * um / (hm - hr);
  if (xi <= -cl) return hl;
  if (xi <= um - cm) {
    const double c = (2.0 * cl - xi) / 3.0;
    return c * c / g;
  }
  if (xi < shock) return hm;
  return hr;
}

}  // namespace mno::data::gen
