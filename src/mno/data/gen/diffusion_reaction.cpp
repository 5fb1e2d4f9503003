#include "mno/data/gen/diffusion_reaction.h"

#include <algorithm>
#include <cmath>

#include "mno/core/error.h"
#include "mno/data/gen/sample_random.h"

namespace mno::data::gen {
namespace {

// out = D·Δf with no-flux boundaries: a missing neighbour contributes nothing (its ghost
// mirrors the cell, so the difference across the boundary face is zero).
void add_laplacian(const std::vector<double>& f, size_t R, double coefficient, std::vector<double>& out) {
  for (size_t y = 0; y < R; ++y)
    for (size_t x = 0; x < R; ++x) {
      const size_t c = y * R + x;
      double sum = 0.0;
      if (x > 0) sum += f[c - 1] - f[c];
      if (x + 1 < R) sum += f[c + 1] - f[c];
      if (y > 0) sum += f[c - R] - f[c];
      if (y + 1 < R) sum += f[c + R] - f[c];
      out[c] += coefficient * sum;
    }
}

struct Rates {
  std::vector<double> u, v;
};

void rates(const DiffusionReactionParams& p, const std::vector<double>& u, const std::vector<double>& v, double inv_h2,
           Rates& out) {
  const size_t n = u.size();
  for (size_t c = 0; c < n; ++c) {
    out.u[c] = p.reaction ? u[c] - u[c] * u[c] * u[c] - p.k - v[c] : 0.0;
    out.v[c] = p.reaction ? u[c] - v[c] : 0.0;
  }
  add_laplacian(u, p.resolution, p.du * inv_h2, out.u);
  add_laplacian(v, p.resolution, p.dv * inv_h2, out.v);
}

}  // namespace

std::vector<double> diffusion_reaction_cell_centres(const DiffusionReactionParams& p) {
  const double h = (p.high - p.low) / static_cast<double>(p.resolution);
  std::vector<double> c(p.resolution);
  for (size_t i = 0; i < p.resolution; ++i) c[i] = p.low + (static_cast<double>(i) + 0.5) * h;
  return c;
}

DiffusionReactionState diffusion_reaction_initial_state(const DiffusionReactionParams& p, uint64_t seed,
                                                        uint64_t sample) {
  SampleRandom random(seed, sample);
  const size_t n = p.resolution * p.resolution;
  DiffusionReactionState s{std::vector<double>(n), std::vector<double>(n)};
  for (double& x : s.u) x = random.normal();
  for (double& x : s.v) x = random.normal();
  return s;
}

FloatArray simulate_diffusion_reaction(const DiffusionReactionParams& p, DiffusionReactionState s) {
  const size_t R = p.resolution, n = R * R;
  check(R >= 2 && s.u.size() == n && s.v.size() == n, "diffusion-reaction: expected an initial state of {}x{} cells", R, R);
  check(p.frames >= 2, "diffusion-reaction: at least 2 frames, found {}", p.frames);
  const double h = (p.high - p.low) / static_cast<double>(R);
  const double inv_h2 = 1.0 / (h * h);
  // RK4 is stable for real negative eigenvalues |λ|·dt ≤ 2.78. The stiffest are diffusion's
  // 8·D/h² and the reaction's 1 + 3u² (largest at the start, when u is white noise). Half the
  // limit leaves margin for the nonlinearity.
  double u_max = 0.0;
  for (double x : s.u) u_max = std::max(u_max, std::abs(x));
  const double lambda = 8.0 * std::max(p.du, p.dv) * inv_h2 + (p.reaction ? 1.0 + 3.0 * u_max * u_max : 0.0);
  const double dt_save = p.final_time / static_cast<double>(p.frames - 1);
  const size_t substeps = static_cast<size_t>(std::ceil(dt_save / (0.5 * 2.78 / std::max(lambda, 1e-12))));
  const double dt = dt_save / static_cast<double>(std::max<size_t>(substeps, 1));

  FloatArray frames({p.frames, R, R, 2});
  auto save = [&](size_t f) {
    float* out = frames.data() + f * n * 2;
    for (size_t c = 0; c < n; ++c) {
      out[2 * c] = static_cast<float>(s.u[c]);
      out[2 * c + 1] = static_cast<float>(s.v[c]);
    }
  };
  Rates k1{std::vector<double>(n), std::vector<double>(n)}, k2 = k1, k3 = k1, k4 = k1;
  std::vector<double> tu(n), tv(n);
  auto stage = [&](const Rates& k, double factor) {
    for (size_t c = 0; c < n; ++c) {
      tu[c] = s.u[c] + factor * k.u[c];
      tv[c] = s.v[c] + factor * k.v[c];
    }
  };
  save(0);
  for (size_t f = 1; f < p.frames; ++f) {
    for (size_t step = 0; step < std::max<size_t>(substeps, 1); ++step) {
      rates(p, s.u, s.v, inv_h2, k1);
      stage(k1, 0.5 * dt);
      rates(p, tu, tv, inv_h2, k2);
      stage(k2, 0.5 * dt);
      rates(p, tu, tv, inv_h2, k3);
      stage(k3, dt);
      rates(p, tu, tv, inv_h2, k4);
      for (size_t c = 0; c < n; ++c) {
        s.u[c] += dt / 6.0 * (k1.u[c] + 2.0 * k2.u[c] + 2.0 * k3.u[c] + k4.u[c]);
        s.v[c] += dt / 6.0 * (k1.v[c] + 2.0 * k2.v[c] + 2.0 * k3.v[c] + k4.v[c]);
      }
    }
    save(f);
  }
  return frames;
}

}  // namespace mno::data::gen
