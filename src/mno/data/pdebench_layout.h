#pragma once
// The three PDEBench layouts MNO uses (docs/data.md, "Layouts"):
//  - Darcy: flat datasets  nu [n,X,Y], tensor [n,1,X,Y], x-coordinate [X], y-coordinate [Y];
//    β in the root attribute "beta" or in the file name ("…_beta1.0_…").
//  - shallow water (2D_rdb_NA_NA.h5) and diffusion-reaction (2D_diff-react_NA_NA.h5): one group
//    per sample named "0000", "0001", …, each with data [T,X,Y,C] (C = 1: h; C = 2: u, v) and
//    grid/x [X], grid/y [Y], grid/t [T].
// All arrays float32 (float64 is accepted on read).
// Point clouds (docs/data.md, "Point clouds"): Darcy's datasets with the N points along the first
// spatial axis and a second axis of 1 (nu [n,N,1], tensor [n,1,N,1]), so that a point cloud reads
// like an N × 1 grid, and instead of the coordinates a dataset positions: [N,2] when every sample
// has the same points (a fixed mesh), [n,N,2] when each sample has its own; in the unit square.
#include <optional>
#include <string>
#include <vector>

#include "mno/data/hdf5_file.h"
#include "mno/data/pde/pde_spec.h"

namespace mno::data {

// Dataset names, shared by reader and writer so both always agree.
namespace names {
inline constexpr const char* darcy_coefficient = "nu";
inline constexpr const char* darcy_solution = "tensor";
inline constexpr const char* darcy_x = "x-coordinate";
inline constexpr const char* darcy_y = "y-coordinate";
inline constexpr const char* darcy_beta = "beta";
inline constexpr const char* positions = "positions";
inline std::string group(size_t sample) { return fmt::format("{:04d}", sample); }
inline std::string data(const std::string& group) { return group + "/data"; }
inline std::string grid(const std::string& group, const char* axis) { return group + "/grid/" + axis; }
}  // namespace names

// What a file holds, found from its structure (and checked for consistency).
struct PdebenchInfo {
  std::string path;
  Pde pde = Pde::darcy;
  size_t samples = 0;
  size_t nx = 0, ny = 0;    // grid sizes along axes 1 and 2 of a sample
  size_t frames = 1;        // time frames per sample (1 for Darcy)
  size_t channels = 1;      // fields per frame (SW: h; DR: u, v; Darcy: u)
  std::optional<double> beta;       // Darcy only
  bool point_cloud = false;         // nx points with positions (ny = 1), not a grid
  bool per_sample_positions = false;  // point clouds: positions [n,N,2] rather than [N,2]
  std::vector<std::string> groups;  // sample groups in order (time-dependent layouts)
};

// Recognises the layout; throws naming the file and the first dataset that does not fit.
PdebenchInfo inspect_pdebench(const Hdf5File& file);

// "…_beta0.01_…" → 0.01; nullopt when the name carries none.
std::optional<double> beta_from_file_name(const std::string& path);

}  // namespace mno::data
