// mno generate darcy|swe|diffreact --samples N --resolution R --out FILE [--seed S] [--threads T] [PDE options]
#include <memory>

#include <fmt/format.h>

#include "mno/cli/commands.h"
#include "mno/core/log.h"
#include "mno/data/gen/generate.h"

namespace mno::cli {
namespace {

using namespace mno::data::gen;

// Options every generator takes; --resolution is stored in the PDE's own parameters.
void add_common(CLI::App* cmd, GenerateOptions& o, size_t& resolution) {
  // Ranges are checked on the text, before conversion: "-5" must not wrap around into a size_t.
  cmd->add_option("--samples", o.samples, "number of samples")->required()->check(CLI::Range(1.0, 1e9));
  cmd->add_option("--resolution", resolution, "cells per side")->capture_default_str()->check(CLI::Range(4.0, 4096.0));
  cmd->add_option("--out", o.out, "output HDF5 file (written to a temporary name, renamed when complete; an existing "
                  "one is refused)")->required();
  cmd->add_flag("--overwrite", o.overwrite, "replace an existing --out file");
  cmd->add_option("--seed", o.seed, "sample i depends only on (seed, i)")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", o.threads, "solver threads (0 = all cores)")->capture_default_str()->check(CLI::Range(0, 4096));
}

void report(const char* pde, const GenerateOptions& o, const GenerateSummary& s) {
  log::info("wrote {} {} samples to {} in {:.1f} s ({:.3f} s per sample)", s.samples, pde, o.out, s.seconds,
            s.seconds / static_cast<double>(s.samples));
}

}  // namespace

void add_generate_command(CLI::App& app, Action& action) {
  auto* generate = app.add_subcommand("generate", "Generate PDE data in PDEBench's HDF5 layout");
  generate->require_subcommand(1);

  auto darcy_opts = std::make_shared<GenerateOptions>();
  auto darcy = std::make_shared<DarcyParams>();
  auto* d = generate->add_subcommand("darcy", "Steady Darcy flow -div(a grad u) = beta (2D_DarcyFlow_beta*.hdf5)");
  add_common(d, *darcy_opts, darcy->resolution);
  d->add_option("--beta", darcy->beta, "source term")->capture_default_str();
  d->add_option("--high", darcy->high, "coefficient above the field's mean")->capture_default_str();
  d->add_option("--low", darcy->low, "coefficient below the field's mean")->capture_default_str();
  d->add_option("--bumps", darcy->bumps, "Gaussian bumps in the random field")->capture_default_str()->check(CLI::Range(1.0, 1e6));
  auto face_boundary = std::make_shared<bool>(false);
  d->add_flag("--face-boundary", *face_boundary, "u = 0 on the boundary face (2nd order) instead of PDEBench's ghost cell");
  // Point clouds (docs/irregular.md).
  auto cloud = std::make_shared<PointCloudOptions>();
  auto layout = std::make_shared<std::string>("shared");
  auto density = std::make_shared<std::string>("uniform");
  auto* points = d->add_option("--points", cloud->points, "write N scattered points per sample instead of the grid "
                               "(solved on the --resolution grid, then read off at the points)")
                     ->check(CLI::Range(1.0, 1e6));
  d->add_option("--layout", *layout, "with --points: shared (one mesh for every sample) or per-sample points")
      ->capture_default_str()->check(CLI::IsMember({"shared", "per-sample"}))->needs(points);
  d->add_option("--density", *density, "with --points: uniform, or clustered (half the points near the walls)")
      ->capture_default_str()->check(CLI::IsMember({"uniform", "clustered"}))->needs(points);
  d->callback([&action, darcy_opts, darcy, face_boundary, cloud, layout, density] {
    action = [darcy_opts, darcy, face_boundary, cloud, layout, density] {
      darcy->boundary = *face_boundary ? DarcyBoundary::face_zero : DarcyBoundary::ghost_zero;
      cloud->per_sample = *layout == "per-sample";
      cloud->density = parse_point_density(*density);
      report("darcy", *darcy_opts, generate_darcy(*darcy_opts, *darcy, *cloud));
      return 0;
    };
  });

  auto swe_opts = std::make_shared<GenerateOptions>();
  auto swe = std::make_shared<DamBreakParams>();
  auto* s = generate->add_subcommand("swe", "Shallow water, radial dam break (2D_rdb_NA_NA.h5)");
  add_common(s, *swe_opts, swe->resolution);
  s->add_option("--gravity", swe->gravity, "gravitational acceleration")->capture_default_str();
  s->add_option("--radius-min", swe->radius_min, "dam radius ~ U(radius-min, radius-max)")->capture_default_str();
  s->add_option("--radius-max", swe->radius_max, "")->capture_default_str();
  s->add_option("--inner-height", swe->inner_height, "water depth inside the dam")->capture_default_str();
  s->add_option("--outer-height", swe->outer_height, "water depth outside the dam")->capture_default_str();
  s->add_option("--final-time", swe->final_time, "end time")->capture_default_str();
  s->add_option("--frames", swe->frames, "saved frames including t = 0")->capture_default_str()->check(CLI::Range(2.0, 1e6));
  s->callback([&action, swe_opts, swe] {
    action = [swe_opts, swe] {
      report("swe", *swe_opts, generate_shallow_water(*swe_opts, *swe));
      return 0;
    };
  });

  auto dr_opts = std::make_shared<GenerateOptions>();
  auto dr = std::make_shared<DiffusionReactionParams>();
  auto* r = generate->add_subcommand("diffreact", "2-D FitzHugh-Nagumo diffusion-reaction (2D_diff-react_NA_NA.h5)");
  add_common(r, *dr_opts, dr->resolution);
  r->add_option("--du", dr->du, "diffusion of u")->capture_default_str();
  r->add_option("--dv", dr->dv, "diffusion of v")->capture_default_str();
  r->add_option("--k", dr->k, "reaction constant")->capture_default_str();
  r->add_option("--final-time", dr->final_time, "end time")->capture_default_str();
  r->add_option("--frames", dr->frames, "saved frames including t = 0")->capture_default_str()->check(CLI::Range(2.0, 1e6));
  r->callback([&action, dr_opts, dr] {
    action = [dr_opts, dr] {
      report("diffreact", *dr_opts, generate_diffusion_reaction(*dr_opts, *dr));
      return 0;
    };
  });
}

}  // namespace mno::cli
