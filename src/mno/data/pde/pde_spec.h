#pragma once
// One description per PDE (docs/architecture.md, "Adding a PDE"): what every reader, writer,
// split, task, summary, plot and command needs to know about a PDE's data, asked of its PdeSpec
// instead of switching on which PDE it is. The descriptions themselves are in pde_specs.cpp.
#include <cstddef>
#include <string>
#include <vector>

namespace mno::data {

enum class Pde { darcy, shallow_water, diffusion_reaction };

// How a PDE's samples sit in a PDEBench file (docs/data.md, "Layouts").
enum class SampleLayout {
  // Steady: one input field and its solution per sample, in flat datasets nu [n,X,Y] and
  // tensor [n,1,X,Y], with x-coordinate [X] and y-coordinate [Y] (and a root attribute beta).
  steady_flat,
  // Time-dependent: one group per sample ("0000", …) holding data [T,X,Y,C] and grid/x, grid/y,
  // grid/t. The first frames are the input, the rest the target.
  frame_groups,
};

struct PdeSpec {
  Pde pde = Pde::darcy;
  std::string name;   // the CLI's name: darcy, swe, diffreact
  std::string title;  // what `mno data info` says it is
  SampleLayout layout = SampleLayout::steady_flat;
  size_t channels = 1;  // fields per frame (steady: the solution's one)
  // Names of the value ranges `mno data info` prints: steady, the input then the solution;
  // time-dependent, one per channel.
  std::vector<std::string> summary_fields;
  // Panel titles of `mno data plot`, in the same order.
  std::vector<std::string> plot_fields;
  std::string plot_title;   // what a plot's title calls the PDE
  // PDEBench stores the arrays [y, x] (diffusion-reaction) rather than [x, y]: plots transpose.
  bool arrays_y_major = false;
  // Splits (data.split): pdebench puts the test samples (10 %) first (Darcy) or last; authors
  // takes exactly these counts, test first or last likewise.
  bool test_first = false;
  size_t authors_train = 0, authors_test = 0;

  bool time_dependent() const { return layout == SampleLayout::frame_groups; }
};

// Every PDE mno knows, in the enum's order.
const std::vector<PdeSpec>& pde_specs();
const PdeSpec& pde_spec(Pde pde);
// The PDE of a frame_groups file by its channel count; throws naming what each PDE holds.
// `found` says what the file holds, for that error.
const PdeSpec& frame_pde_with_channels(size_t channels, const std::string& where, const std::string& found);
// The one steady_flat PDE (its files carry no other marker).
const PdeSpec& steady_pde();
// By the CLI's name; nullptr when none has it.
const PdeSpec* find_pde(const std::string& name);

std::string pde_name(Pde pde);  // pde_spec(pde).name

}  // namespace mno::data
