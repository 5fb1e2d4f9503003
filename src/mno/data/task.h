#pragma once
// Turns samples of a PDEBench file into (input, target) tensors for training
// (docs/data.md, "Layouts"), channels last:
//  - steady (Darcy): x = a [B,H,W,1] → y = u [B,H,W,1];
//  - time-dependent (SW2D, DR2D): x = frames [0, 10) → y = frames [10, 101), each flattened to
//    channels interleaved time-major (u0, v0, u1, v1, …) as GT and OFormer do: [B,H,W,frames·C].
// Spatial sub-sampling by stride (128 → 64 with stride 2, no averaging) happens in the read.
// A point cloud of N points reads as an N × 1 grid (pdebench_layout.h).
#include <cstddef>
#include <vector>

#include <torch/types.h>

#include "mno/data/pdebench_reader.h"

namespace mno::data {

struct TaskSpec {
  size_t stride = 1;
  size_t input_frames = 10;  // time-dependent only
  size_t output_frames = 0;  // 0 = every frame after the inputs (91 of PDEBench's 101)
};

struct Batch {
  torch::Tensor x, y;
  torch::Tensor pos;  // [B, N, 2]: point clouds whose samples each have their own points; else undefined
};

// Samples `indices` (any order) of the reader's file.
Batch read_batch(const PdebenchReader& reader, const std::vector<size_t>& indices, const TaskSpec& task);

// The inputs x alone of samples `indices`: what a prediction reads. Targets (Darcy's 'tensor', the
// frames after the given ones) are not read, so they may be missing, or hold anything.
torch::Tensor read_inputs(const PdebenchReader& reader, const std::vector<size_t>& indices, const TaskSpec& task);

// The positions [B, N, 2] of samples `indices` of a point cloud whose samples each have their own
// points; undefined for any other file (its positions are the same for every sample).
torch::Tensor read_sample_positions(const PdebenchReader& reader, const std::vector<size_t>& indices);

// An array read from a file as a float32 tensor of its shape (a copy).
torch::Tensor from_array(const FloatArray& a);

// Grid positions [H, W, 2] of the strided grid: (coordinate along axis 1, along axis 2).
torch::Tensor grid_positions(const PdebenchReader& reader, size_t stride);
// The same layout at linspace(0, 1, height) x linspace(0, 1, width), whatever the file holds
// (data.positions: linspace, the authors' OFormer Darcy script's points).
torch::Tensor unit_grid_positions(int64_t height, int64_t width);

}  // namespace mno::data
