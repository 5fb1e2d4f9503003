#include "mno/data/pdebench_layout.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>

#include "mno/core/error.h"

namespace mno::data {
namespace {

void expect_float(const Hdf5File& file, const std::string& dataset) {
  const StoredType type = file.stored_type(dataset);
  check(type == StoredType::float32 || type == StoredType::float64, "{}: dataset '{}': expected dtype float32, found {}",
        file.path(), dataset, type == StoredType::integer ? "an integer type" : "a non-float type");
}

Shape expect_rank(const Hdf5File& file, const std::string& dataset, size_t rank, const std::string& meaning) {
  check(file.exists(dataset), "{}: dataset '{}' missing (expected {})", file.path(), dataset, meaning);
  const Shape s = file.shape(dataset);
  if (s.size() != rank)
    throw mismatch_error(fmt::format("{}: dataset '{}'", file.path(), dataset), fmt::format("rank {} ({})", rank, meaning),
                         fmt::format("shape {}", shape_string(s)));
  expect_float(file, dataset);
  return s;
}

void expect_shape(const Hdf5File& file, const std::string& dataset, const Shape& expected, const std::string& meaning) {
  const Shape s = expect_rank(file, dataset, expected.size(), meaning);
  if (s != expected)
    throw mismatch_error(fmt::format("{}: dataset '{}'", file.path(), dataset),
                         fmt::format("shape {} ({})", shape_string(expected), meaning), shape_string(s));
}

bool is_sample_group_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); });
}

PdebenchInfo inspect_darcy(const Hdf5File& file) {
  PdebenchInfo info;
  info.path = file.path();
  info.pde = steady_pde().pde;
  const Shape a = expect_rank(file, names::darcy_coefficient, 3, "[n,X,Y] coefficient a");
  info.samples = a[0];
  info.nx = a[1];
  info.ny = a[2];
  // The solution may be absent: a file of coefficients alone is what `mno predict` needs.
  if (file.exists(names::darcy_solution))
    expect_shape(file, names::darcy_solution, {a[0], 1, a[1], a[2]}, "[n,1,X,Y] solution u");
  if (file.exists(names::positions)) {
    info.point_cloud = true;
    if (a[2] != 1)
      throw mismatch_error(fmt::format("{}: dataset '{}' (a point cloud: the file has '{}')", file.path(),
                                       names::darcy_coefficient, names::positions),
                           "shape [n,N,1]: the N points along axis 1", shape_string(a));
    const Shape p = file.shape(names::positions);
    info.per_sample_positions = p.size() == 3;
    if (info.per_sample_positions)
      expect_shape(file, names::positions, {a[0], a[1], 2}, "[n,N,2] positions of each sample's points");
    else
      expect_shape(file, names::positions, {a[1], 2}, "[N,2] positions of the points every sample shares");
  } else {
    expect_shape(file, names::darcy_x, {a[1]}, "cell-centre x coordinates");
    expect_shape(file, names::darcy_y, {a[2]}, "cell-centre y coordinates");
  }
  info.beta = file.read_double_attribute("/", names::darcy_beta);
  if (!info.beta) info.beta = beta_from_file_name(file.path());
  return info;
}

PdebenchInfo inspect_groups(const Hdf5File& file, const std::vector<std::string>& groups) {
  PdebenchInfo info;
  info.path = file.path();
  info.groups = groups;
  info.samples = groups.size();
  const Shape first = expect_rank(file, names::data(groups[0]), 4, "[T,X,Y,C] frames");
  info.frames = first[0];
  info.nx = first[1];
  info.ny = first[2];
  info.channels = first[3];
  info.pde = frame_pde_with_channels(info.channels, fmt::format("{}: dataset '{}'", file.path(), names::data(groups[0])),
                                     shape_string(first))
                 .pde;
  // Every sample must look like the first: a loader indexes them blindly.
  for (const auto& g : groups) {
    expect_shape(file, names::data(g), first, "the shape of sample " + groups[0]);
    expect_shape(file, names::grid(g, "x"), {first[1]}, "cell-centre x coordinates");
    expect_shape(file, names::grid(g, "y"), {first[2]}, "cell-centre y coordinates");
    expect_shape(file, names::grid(g, "t"), {first[0]}, "frame times");
  }
  return info;
}

}  // namespace

std::optional<double> beta_from_file_name(const std::string& path) {
  static const std::regex pattern(R"(beta([0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?))");
  const std::string name = std::filesystem::path(path).filename().string();
  std::smatch m;
  if (!std::regex_search(name, m, pattern)) return std::nullopt;
  return std::stod(m[1].str());
}

PdebenchInfo inspect_pdebench(const Hdf5File& file) {
  if (file.exists(names::darcy_coefficient) || file.exists(names::darcy_solution)) return inspect_darcy(file);
  std::vector<std::string> groups;
  for (const auto& child : file.children("/"))
    if (is_sample_group_name(child) && file.is_group(child)) groups.push_back(child);
  check(!groups.empty(), "{}: not a PDEBench layout: expected datasets 'nu' and 'tensor' (Darcy) or sample groups "
        "'0000', '0001', … (shallow water, diffusion-reaction), found neither", file.path());
  return inspect_groups(file, groups);
}

}  // namespace mno::data
