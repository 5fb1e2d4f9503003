#include "mno/data/task.h"

#include <torch/torch.h>

#include "mno/core/error.h"

namespace mno::data {
namespace {

// Positions [H, W, 2] from the coordinates along each axis: (a_i, b_j) at point (i, j).
torch::Tensor mesh_positions(const torch::Tensor& a, const torch::Tensor& b) {
  const auto mesh = torch::meshgrid({a, b}, "ij");
  return torch::stack({mesh[0], mesh[1]}, -1);
}

}  // namespace

torch::Tensor from_array(const FloatArray& a) {
  std::vector<int64_t> shape(a.shape.begin(), a.shape.end());
  return torch::from_blob(const_cast<float*>(a.data()), shape, torch::kFloat32).clone();
}

Batch read_batch(const PdebenchReader& reader, const std::vector<size_t>& indices, const TaskSpec& task) {
  check(!indices.empty(), "{}: empty batch requested", reader.path());
  const PdebenchInfo& info = reader.info();
  const bool steady = !pde_spec(info.pde).time_dependent();
  std::vector<torch::Tensor> xs, ys;
  for (size_t i : indices) {
    Selection s;
    s.first_sample = i;
    s.samples = 1;
    s.stride = task.stride;
    if (steady) {
      const DarcySamples d = reader.read_darcy(s);
      xs.push_back(from_array(d.coefficient).unsqueeze(-1));
      ys.push_back(from_array(d.solution).unsqueeze(-1));
      continue;
    }
    const size_t outputs = task.output_frames == 0 ? info.frames - std::min(info.frames, task.input_frames) : task.output_frames;
    check(task.input_frames >= 1 && outputs >= 1 && task.input_frames + outputs <= info.frames,
          "{}: {} input + {} output frames requested, samples have {}", reader.path(), task.input_frames, outputs,
          info.frames);
    s.frames = task.input_frames + outputs;
    const torch::Tensor f = from_array(reader.read_frames(s))[0];  // [T, H, W, C]
    auto flatten = [](const torch::Tensor& frames) {              // [T,H,W,C] → [H,W,T·C], time-major
      return frames.permute({1, 2, 0, 3}).reshape({frames.size(1), frames.size(2), -1});
    };
    xs.push_back(flatten(f.narrow(0, 0, task.input_frames)).unsqueeze(0));
    ys.push_back(flatten(f.narrow(0, task.input_frames, outputs)).unsqueeze(0));
  }
  return {torch::cat(xs), torch::cat(ys), read_sample_positions(reader, indices)};
}

torch::Tensor read_sample_positions(const PdebenchReader& reader, const std::vector<size_t>& indices) {
  if (!reader.info().per_sample_positions) return {};
  std::vector<torch::Tensor> ps;
  for (size_t i : indices) ps.push_back(from_array(reader.read_positions(i, 1)));
  return torch::cat(ps);
}

torch::Tensor read_inputs(const PdebenchReader& reader, const std::vector<size_t>& indices, const TaskSpec& task) {
  check(!indices.empty(), "{}: empty batch requested", reader.path());
  const PdebenchInfo& info = reader.info();
  const bool steady = !pde_spec(info.pde).time_dependent();
  std::vector<torch::Tensor> xs;
  for (size_t i : indices) {
    Selection s;
    s.first_sample = i;
    s.samples = 1;
    s.stride = task.stride;
    if (steady) {
      xs.push_back(from_array(reader.read_darcy_coefficient(s)).unsqueeze(-1));
      continue;
    }
    check(task.input_frames >= 1 && task.input_frames <= info.frames,
          "{}: {} input frames requested, samples have {}", reader.path(), task.input_frames, info.frames);
    s.frames = task.input_frames;
    const torch::Tensor f = from_array(reader.read_frames(s))[0];  // [T, H, W, C]
    xs.push_back(f.permute({1, 2, 0, 3}).reshape({f.size(1), f.size(2), -1}).unsqueeze(0));
  }
  return torch::cat(xs);
}

torch::Tensor grid_positions(const PdebenchReader& reader, size_t stride) {
  return mesh_positions(from_array(reader.x(stride)), from_array(reader.y(stride)));
}

torch::Tensor unit_grid_positions(int64_t height, int64_t width) {
  return mesh_positions(torch::linspace(0, 1, height), torch::linspace(0, 1, width));
}

}  // namespace mno::data
