#pragma once
// What a model sees of a PDEBench file (docs/training.md, `data:`): the train and test splits as
// batch loaders, the grid positions, the fitted normalisers, and the conversions between
//  - loader batches   x [B,H,W,Cin], y [B,H,W,Cout] (physical units, channels time-major),
//  - model tensors    features [B,L,Cin] and outputs [B,L,Cout] (normalised where configured),
//  - metric fields    [B,H,W,T,C]: the full sequence, given frames then predicted ones
//                     (steady data: T = C = 1).
// Checks the file against the model (PDE, channels, resolution) before any training starts.
#include <memory>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "mno/core/config.h"
#include "mno/data/loader.h"
#include "mno/data/normaliser.h"
#include "mno/data/splits.h"

namespace mno::data {

// The data: section of a training config (docs/training.md).
struct DataConfig {
  std::string file;            // PDEBench-layout HDF5 file holding the train and test splits
  // A run's config.yaml keeps data.file absolute, so that the run works from any directory, and
  // the path as it was typed here (only shown to the user; empty in configs written by hand).
  std::string file_as_typed;
  SplitRule split = SplitRule::pdebench;
  size_t train_samples = 0;    // 0: the whole train split; else its first n samples
  size_t test_samples = 0;     // 0: the whole test split; else its first n samples
  size_t stride = 1;           // spatial sub-sampling (PDEBench 128 -> 64: 2)
  size_t input_frames = 10;    // time-dependent data: frames given as input
  size_t resolution = 0;       // expected grid side after striding (0: any)
  std::string normalise_inputs = "none";   // none | per_point_gaussian | scalar_gaussian | range
  std::string normalise_targets = "none";
  size_t normaliser_samples = 0;           // training samples the normalisers are fitted on (0: all)
  // Keep the training split on the training device (loader.h, LoaderOptions::resident):
  // auto = on a CUDA device when the split is at most 4 GiB; true = always; false = never.
  std::string resident = "auto";
  // Where the model's points are: "file" = the file's x and y coordinates (PDEBench: the cell
  // centres); "linspace" = linspace(0, 1, n) per axis, as the authors' OFormer Darcy script places
  // them. Both give point (i, j) the position (x_i, y_j).
  std::string positions = "file";
};

// Reads and checks a data: node; unknown keys and bad values are errors naming the key.
DataConfig read_data_config(const ConfigNode& node);

// What a TaskData serves of its file.
enum class DataUse {
  split,        // training, and evaluation on the test split: (input, target) pairs, split by data.split
  all_samples,  // evaluation on every sample of the file, whatever their number: pairs, no split
  inputs_only,  // prediction on every sample: the inputs alone; targets are neither needed nor read
};

// Spatial grid of the points a model sees. A point cloud of N points is N × 1 and scattered: no
// grid at all (models that need one refuse it).
struct Grid2d {
  int64_t height = 0, width = 0;
  bool scattered = false;
};

class TaskData {
 public:
  // Opens data.file (or `file_override`), resolves the samples `use` asks for and checks the
  // model's channels. `in_channels`/`out_channels` are the model's: a file that does not fit them
  // is an error. split() of all_samples and inputs_only: no train samples, every sample as test.
  TaskData(const DataConfig& config, int64_t in_channels, int64_t out_channels, const std::string& file_override = "",
           DataUse use = DataUse::split);

  // Fits the configured normalisers on the training split (the trainer) ...
  void fit_normalisers();
  // ... or loads/saves them in a run directory (eval, predict, resume).
  void save_normalisers(const std::string& dir) const;
  void load_normalisers(const std::string& dir);

  std::unique_ptr<BatchLoader> train_loader(const LoaderOptions& options) const;
  // Where the training split should be held when training on `device` (data.resident), or none.
  std::optional<torch::Device> resident_device(const torch::Device& device) const;
  int64_t train_split_bytes() const;  // inputs and targets of the training split, as loaded (fp32)
  std::unique_ptr<BatchLoader> test_loader(size_t batch_size) const;
  // Any range of samples of the file, in order (predict).
  std::unique_ptr<BatchLoader> loader(SampleRange range, size_t batch_size) const;

  torch::Tensor features(const torch::Tensor& x) const;         // [B,H,W,Cin] -> [B,L,Cin], encoded
  torch::Tensor target(const torch::Tensor& y) const;           // [B,H,W,Cout] -> [B,L,Cout], encoded
  torch::Tensor decode_output(const torch::Tensor& out) const;  // [B,L,Cout] encoded -> [B,H,W,Cout] physical
  torch::Tensor fields(const torch::Tensor& x, const torch::Tensor& y) const;  // physical -> [B,H,W,T,C]
  // [batch, L, 2]. Point clouds whose samples each have their own points have none shared:
  // their positions come with each batch (Batch::pos), and asking here is an error.
  torch::Tensor positions(int64_t batch) const;
  // The same on `device`, copied there once and kept (a copy per step would make the host wait).
  torch::Tensor positions(int64_t batch, const torch::Device& device) const;
  // A batch's positions on `device`: its own (Batch::pos) when it has them, else the shared ones.
  torch::Tensor positions_of(const torch::Tensor& x, const torch::Tensor& batch_pos, const torch::Device& device) const;
  Grid2d grid() const { return {height_, width_, info_.point_cloud}; }

  const PdebenchInfo& info() const { return info_; }
  const Split& split() const { return split_; }
  const TaskSpec& task() const { return task_; }
  bool time_dependent() const;
  size_t given_frames() const;  // frames of the metric fields that are inputs (0 for steady data)
  size_t field_frames() const;  // frames of the metric fields: given + predicted (1 for steady data)
  DataUse use() const { return use_; }
  const std::string& file() const { return file_; }
  int64_t channels() const { return channels_; }  // physical channels C (1 Darcy/SW, 2 DR)
  std::string describe() const;

 private:
  std::optional<Normaliser> fit(const std::string& kind, bool inputs) const;
  DataConfig config_;
  std::string file_;
  DataUse use_ = DataUse::split;
  PdebenchInfo info_;
  Split split_;
  TaskSpec task_;
  int64_t height_ = 0, width_ = 0, channels_ = 1, in_channels_ = 0, out_channels_ = 0;
  mutable torch::Tensor pos_on_device_;
  torch::Tensor pos_;  // [1, L, 2]
  std::optional<Normaliser> input_norm_, target_norm_;
};

}  // namespace mno::data
