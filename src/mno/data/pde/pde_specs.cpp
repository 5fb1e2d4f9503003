// The PDEs mno reads, writes, generates and trains on: one description each. Adding a PDE is its
// value in the enum (pde_spec.h), its entry here, its solver under data/gen/ and its configs.
#include "mno/data/pde/pde_spec.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "mno/core/error.h"

namespace mno::data {
namespace {

PdeSpec described(Pde pde, std::string name, std::string title, SampleLayout layout, size_t channels) {
  PdeSpec s;
  s.pde = pde, s.name = std::move(name), s.title = std::move(title), s.layout = layout, s.channels = channels;
  return s;
}

}  // namespace

const std::vector<PdeSpec>& pde_specs() {
  static const std::vector<PdeSpec> specs = [] {
    std::vector<PdeSpec> s;

    // 2-D Darcy flow, -div(a grad u) = beta on the unit square (PDEBench's 2D_DarcyFlow_*).
    PdeSpec darcy = described(Pde::darcy, "darcy", "darcy (-div(a grad u) = beta)", SampleLayout::steady_flat, 1);
    darcy.summary_fields = {"nu (a)", "tensor (u)"};
    darcy.plot_fields = {"coefficient a (nu)", "solution u (tensor)"};
    darcy.plot_title = "Darcy";
    darcy.test_first = true;
    darcy.authors_train = 9000, darcy.authors_test = 1000;
    s.push_back(darcy);

    // 2-D shallow water, radial dam break (PDEBench's 2D_rdb_NA_NA.h5): the depth h.
    PdeSpec swe =
        described(Pde::shallow_water, "swe", "swe (2-D shallow water, radial dam break)", SampleLayout::frame_groups, 1);
    swe.summary_fields = {"h"};
    swe.plot_fields = {"depth h"};
    swe.plot_title = "swe";
    swe.authors_train = 900, swe.authors_test = 100;
    s.push_back(swe);

    // 2-D FitzHugh-Nagumo diffusion-reaction (PDEBench's 2D_diff-react_NA_NA.h5): u and v.
    PdeSpec dr = described(Pde::diffusion_reaction, "diffreact", "diffreact (2-D FitzHugh-Nagumo diffusion-reaction)",
                           SampleLayout::frame_groups, 2);
    dr.summary_fields = {"u", "v"};
    dr.plot_fields = {"u (activator)", "v (inhibitor)"};
    dr.plot_title = "diffreact";
    dr.arrays_y_major = true;
    dr.authors_train = 900, dr.authors_test = 100;
    s.push_back(dr);
    return s;
  }();
  return specs;
}

const PdeSpec& pde_spec(Pde pde) {
  for (const auto& s : pde_specs())
    if (s.pde == pde) return s;
  throw Error("internal: a PDE without a description in data/pde/pde_specs.cpp");
}

const PdeSpec& frame_pde_with_channels(size_t channels, const std::string& where, const std::string& found) {
  std::string expected;
  for (const auto& s : pde_specs()) {
    if (s.layout != SampleLayout::frame_groups) continue;
    if (s.channels == channels) return s;
    expected += fmt::format("{}{} channel{} ({}: {})", expected.empty() ? "" : " or ", s.channels,
                            s.channels == 1 ? "" : "s", s.plot_title, fmt::join(s.summary_fields, ", "));
  }
  throw mismatch_error(where, expected + " in the last axis", found);
}

const PdeSpec& steady_pde() {
  for (const auto& s : pde_specs())
    if (s.layout == SampleLayout::steady_flat) return s;
  throw Error("internal: no steady PDE described in data/pde/pde_specs.cpp");
}

const PdeSpec* find_pde(const std::string& name) {
  for (const auto& s : pde_specs())
    if (s.name == name) return &s;
  return nullptr;
}

std::string pde_name(Pde pde) { return pde_spec(pde).name; }

}  // namespace mno::data
