#include "mno/data/gen/generate.h"

#include <chrono>
#include <cmath>
#include <memory>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/core/progress.h"
#include "mno/core/stop_signal.h"
#include "mno/core/threads.h"
#include "mno/data/gen/ordered_parallel.h"
#include "mno/data/pdebench_writer.h"

namespace mno::data::gen {
namespace {

void check_common(const GenerateOptions& o, size_t resolution, const char* pde) {
  check(o.samples >= 1, "generate {}: --samples must be at least 1, found {}", pde, o.samples);
  check(!o.out.empty(), "generate {}: --out is required", pde);
  check_may_write(o.out, o.overwrite, "--out");
  check(resolution >= 4 && resolution <= 4096, "generate {}: --resolution must be in [4, 4096], found {}", pde, resolution);
  check(o.threads >= 0, "generate {}: --threads must be >= 0, found {}", pde, o.threads);
}

std::vector<float> to_float(const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); }

std::vector<float> frame_times(double final_time, size_t frames) {
  std::vector<float> t(frames);
  for (size_t f = 0; f < frames; ++f)
    t[f] = static_cast<float>(final_time * static_cast<double>(f) / static_cast<double>(frames - 1));
  return t;
}

int worker_count(const GenerateOptions& o) { return o.threads > 0 ? o.threads : hardware_threads(); }

// Runs make(i) in parallel and write(writer, i, result) in order, with a progress bar, inside an
// atomic write of options.out.
template <typename Result, typename Make, typename Write>
GenerateSummary run(const GenerateOptions& o, const char* label, const LayoutSpec& spec, Make make, Write write) {
  const auto start = std::chrono::steady_clock::now();
  const StopOnSignal stop_on_signal;  // Ctrl-C: stop at the next sample, the temporary file removed
  write_atomically(o.out, [&](const std::string& tmp) {
    PdebenchWriter writer(tmp, spec);
    std::unique_ptr<Progress> progress;
    if (o.progress) progress = std::make_unique<Progress>(label, static_cast<int64_t>(o.samples));
    const auto make_unless_stopped = [&](size_t i) {
      throw_if_stop_requested(o.out);
      return make(i);
    };
    run_ordered<Result>(o.samples, worker_count(o), make_unless_stopped, [&](size_t i, Result&& r) {
      throw_if_stop_requested(o.out);
      write(writer, i, r);
      if (progress) progress->advance();
    });
    if (progress) progress->finish();
    writer.finish();
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {o.samples, seconds};
}

}  // namespace

GenerateSummary generate_darcy(const GenerateOptions& o, const DarcyParams& p, const PointCloudOptions& cloud) {
  check_common(o, p.resolution, "darcy");
  check(p.low > 0 && p.high > 0, "generate darcy: coefficient values must be positive, found {} and {}", p.low, p.high);
  check(p.bumps >= 1, "generate darcy: --bumps must be at least 1, found {}", p.bumps);
  LayoutSpec spec;
  spec.pde = Pde::darcy;
  spec.samples = o.samples;
  spec.beta = p.beta;
  struct Sample {
    std::vector<float> a, u, positions;
  };
  if (cloud.points == 0) {
    spec.nx = spec.ny = p.resolution;
    spec.x = spec.y = to_float(darcy_cell_centres(p.resolution));
    return run<Sample>(
        o, "darcy", spec,
        [&](size_t i) {
          const std::vector<double> a = darcy_coefficient(p, o.seed, i);
          return Sample{to_float(a), to_float(solve_darcy(a, p.resolution, p.beta, p.boundary)), {}};
        },
        [](PdebenchWriter& w, size_t i, const Sample& s) { w.write_darcy(i, s.a, s.u); });
  }
  check(cloud.points <= 1000000, "generate darcy: --points must be at most 1000000, found {}", cloud.points);
  spec.nx = cloud.points;
  spec.ny = 1;
  spec.points = cloud.per_sample ? LayoutSpec::Points::per_sample : LayoutSpec::Points::shared;
  // A shared mesh is drawn once, from a stream no sample uses.
  const std::vector<double> shared = cloud.per_sample ? std::vector<double>{}
                                                      : sample_points(cloud.points, cloud.density, o.seed, ~uint64_t{0});
  spec.positions = to_float(shared);
  return run<Sample>(
      o, "darcy", spec,
      [&](size_t i) {
        const std::vector<double> a = darcy_coefficient(p, o.seed, i);
        const std::vector<double> u = solve_darcy(a, p.resolution, p.beta, p.boundary);
        const std::vector<double> xy = cloud.per_sample ? sample_points(cloud.points, cloud.density, o.seed, i) : shared;
        return Sample{to_float(nearest_cell_values(a, p.resolution, xy)), to_float(bilinear_values(u, p.resolution, xy)),
                      cloud.per_sample ? to_float(xy) : std::vector<float>{}};
      },
      [](PdebenchWriter& w, size_t i, const Sample& s) {
        w.write_darcy(i, s.a, s.u);
        if (!s.positions.empty()) w.write_positions(i, s.positions);
      });
}

GenerateSummary generate_shallow_water(const GenerateOptions& o, const DamBreakParams& p) {
  check_common(o, p.resolution, "swe");
  check(p.frames >= 2, "generate swe: --frames must be at least 2, found {}", p.frames);
  check(p.final_time > 0, "generate swe: --final-time must be positive, found {}", p.final_time);
  check(p.radius_min > 0 && p.radius_min <= p.radius_max, "generate swe: expected 0 < radius-min <= radius-max, found {} and {}",
        p.radius_min, p.radius_max);
  check(p.inner_height > 0 && p.outer_height > 0, "generate swe: heights must be positive, found {} and {}", p.inner_height,
        p.outer_height);
  ShallowWaterGrid grid;
  grid.nx = grid.ny = p.resolution;
  LayoutSpec spec;
  spec.pde = Pde::shallow_water;
  spec.samples = o.samples;
  spec.nx = spec.ny = p.resolution;
  spec.frames = p.frames;
  for (size_t i = 0; i < p.resolution; ++i) {
    spec.x.push_back(static_cast<float>(grid.x(i)));
    spec.y.push_back(static_cast<float>(grid.y(i)));
  }
  spec.t = frame_times(p.final_time, p.frames);
  struct Sample {
    FloatArray frames;
    double radius = 0;
  };
  return run<Sample>(
      o, "swe", spec,
      [&](size_t i) {
        const double radius = dam_radius(p, o.seed, i);
        return Sample{simulate_radial_dam_break(p, radius), radius};
      },
      [&](PdebenchWriter& w, size_t i, const Sample& s) {
        w.write_frames(i, s.frames, fmt::format(
            "generator: mno generate swe\nsim:\n  T_end: {}\n  n_time_steps: {}\n  xdim: {}\n  ydim: {}\n"
            "  gravity: {}\n  dam_radius: {}\n  inner_height: {}\n  outer_height: {}\n  x_left: -2.5\n"
            "  x_right: 2.5\n  y_bottom: -2.5\n  y_top: 2.5\n  seed: {}\n  sample: {}\n",
            p.final_time, p.frames - 1, p.resolution, p.resolution, p.gravity, s.radius, p.inner_height,
            p.outer_height, o.seed, i));
      });
}

GenerateSummary generate_diffusion_reaction(const GenerateOptions& o, const DiffusionReactionParams& p) {
  check_common(o, p.resolution, "diffreact");
  check(p.frames >= 2, "generate diffreact: --frames must be at least 2, found {}", p.frames);
  check(p.final_time > 0, "generate diffreact: --final-time must be positive, found {}", p.final_time);
  check(p.du >= 0 && p.dv >= 0, "generate diffreact: diffusion coefficients must be >= 0, found {} and {}", p.du, p.dv);
  LayoutSpec spec;
  spec.pde = Pde::diffusion_reaction;
  spec.samples = o.samples;
  spec.nx = spec.ny = p.resolution;
  spec.frames = p.frames;
  spec.x = spec.y = to_float(diffusion_reaction_cell_centres(p));
  spec.t = frame_times(p.final_time, p.frames);
  return run<FloatArray>(
      o, "diffreact", spec,
      [&](size_t i) { return simulate_diffusion_reaction(p, diffusion_reaction_initial_state(p, o.seed, i)); },
      [&](PdebenchWriter& w, size_t i, const FloatArray& frames) {
        w.write_frames(i, frames, fmt::format(
            "generator: mno generate diffreact\nsim:\n  Du: {}\n  Dv: {}\n  k: {}\n  t: {}\n  tdim: {}\n"
            "  x_left: {}\n  x_right: {}\n  xdim: {}\n  y_bottom: {}\n  y_top: {}\n  ydim: {}\n  seed: {}\n  sample: {}\n",
            p.du, p.dv, p.k, p.final_time, p.frames, p.low, p.high, p.resolution, p.low, p.high, p.resolution, o.seed, i));
      });
}

}  // namespace mno::data::gen
