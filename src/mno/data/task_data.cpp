#include "mno/data/task_data.h"

#include <set>

#include <filesystem>

#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/data/pdebench_reader.h"
#include "mno/data/task.h"

namespace mno::data {
namespace {

size_t count_key(const ConfigNode& n, const std::string& key, int64_t fallback, int64_t minimum) {
  return static_cast<size_t>(n.get_at_least<int64_t>(key, fallback, minimum));
}

Normaliser::Kind normaliser_kind(const std::string& name) {
  if (name == "per_point_gaussian") return Normaliser::Kind::per_point_gaussian;
  if (name == "scalar_gaussian") return Normaliser::Kind::scalar_gaussian;
  return Normaliser::Kind::range;
}

SampleRange first(SampleRange range, size_t n, const std::string& key, const std::string& file) {
  if (n == 0) return range;
  check(n <= range.size(), "data.{}: {} samples requested but the split of {} has {}", key, n, file, range.size());
  return {range.begin, range.begin + n};
}

}  // namespace

DataConfig read_data_config(const ConfigNode& n) {
  DataConfig d;
  d.file = n.require<std::string>("file");
  if (n.has("file_as_typed")) d.file_as_typed = n.require<std::string>("file_as_typed");
  d.split = parse_split_rule(n.get_choice("split", "pdebench", {"pdebench", "authors"}));
  d.train_samples = count_key(n, "train_samples", 0, 0);
  d.test_samples = count_key(n, "test_samples", 0, 0);
  d.stride = count_key(n, "stride", 1, 1);
  d.input_frames = count_key(n, "input_frames", 10, 1);
  d.resolution = count_key(n, "resolution", 0, 0);
  const std::vector<std::string> kinds{"none", "per_point_gaussian", "scalar_gaussian", "range"};
  d.normalise_inputs = n.get_choice("normalise_inputs", "none", kinds);
  d.normalise_targets = n.get_choice("normalise_targets", "none", kinds);
  d.normaliser_samples = count_key(n, "normaliser_samples", 0, 0);
  d.resident = n.get_choice("resident", "auto", {"auto", "true", "false"});
  d.positions = n.get_choice("positions", "file", {"file", "linspace"});
  n.reject_unknown_keys();
  return d;
}

namespace {

// Where data.file came from, for the error when it is missing.
std::string origin_of(const DataConfig& config, bool overridden) {
  if (overridden) return "";
  if (!config.file_as_typed.empty() && config.file_as_typed != config.file)
    return fmt::format(" (data.file, typed as '{}' where the run was made; make one with `mno generate`)",
                       config.file_as_typed);
  return " (data.file; make one with `mno generate`)";
}

}  // namespace

TaskData::TaskData(const DataConfig& config, int64_t in_channels, int64_t out_channels, const std::string& file_override,
                   DataUse use)
    : config_(config), file_(file_override.empty() ? config.file : file_override), use_(use) {
  check(std::filesystem::exists(file_), "data file '{}' does not exist{}", file_, origin_of(config, !file_override.empty()));
  const PdebenchReader reader(file_);
  info_ = reader.info();
  if (use_ == DataUse::split) {
    const Split full = make_split(info_, config_.split);
    split_ = {first(full.train, config_.train_samples, "train_samples", file_),
              first(full.test, config_.test_samples, "test_samples", file_)};
    check(split_.train.size() >= 1 && split_.test.size() >= 1, "{}: the split leaves {} train and {} test samples",
          file_, split_.train.size(), split_.test.size());
  } else {
    split_ = {{0, 0}, {0, info_.samples}};
  }
  check(use_ == DataUse::inputs_only || pde_spec(info_.pde).time_dependent() || reader.has_darcy_solution(),
        "{}: holds the Darcy inputs 'nu' but not their solutions 'tensor', which training and evaluation need; "
        "`mno predict` takes inputs alone", file_);

  if (info_.point_cloud) {
    check(config_.stride == 1, "data.stride: {} holds a point cloud of {} points, which has no grid to stride "
          "(expected 1, found {})", file_, info_.nx, config_.stride);
    check(config_.resolution == 0, "data.resolution: {} holds a point cloud of {} points, not a grid (expected 0, "
          "found {})", file_, info_.nx, config_.resolution);
    check(config_.positions == "file", "data.positions: {} holds a point cloud, whose positions are in the file "
          "(expected file, found {})", file_, config_.positions);
    const auto per_point = [&](const std::string& kind) { return kind == "per_point_gaussian"; };
    check(!info_.per_sample_positions || (!per_point(config_.normalise_inputs) && !per_point(config_.normalise_targets)),
          "data.normalise_inputs/targets: per_point_gaussian needs the same points in every sample, but the samples "
          "of {} each have their own; use scalar_gaussian", file_);
  }
  task_.stride = config_.stride;
  check(info_.nx % config_.stride == 0 && info_.ny % config_.stride == 0,
        "data.stride: {} does not divide the {}x{} grid of {}", config_.stride, info_.nx, info_.ny, file_);
  height_ = static_cast<int64_t>(info_.nx / config_.stride);
  width_ = static_cast<int64_t>(info_.ny / config_.stride);
  check(config_.resolution == 0 || (static_cast<size_t>(height_) == config_.resolution &&
                                    static_cast<size_t>(width_) == config_.resolution),
        "data.resolution: the model is configured for {0}x{0} points, but {1} has {2}x{3} points and stride {4} "
        "gives {5}x{6}", config_.resolution, file_, info_.nx, info_.ny, config_.stride, height_, width_);

  channels_ = static_cast<int64_t>(info_.channels);
  std::string what = "darcy data, a -> u";
  if (time_dependent() && use_ == DataUse::inputs_only) {
    // Only the given frames are read: the file may hold those alone, and the model says how many
    // frames follow.
    task_.input_frames = config_.input_frames;
    check(config_.input_frames <= info_.frames,
          "data.input_frames: the run takes {} input frames, but the samples of {} have {}", config_.input_frames,
          file_, info_.frames);
    check(out_channels >= channels_ && out_channels % channels_ == 0,
          "model.out_channels: {} is not a whole number of frames of the {} channel(s) of {}", out_channels,
          channels_, file_);
    task_.output_frames = static_cast<size_t>(out_channels / channels_);
    in_channels_ = static_cast<int64_t>(config_.input_frames) * channels_;
    out_channels_ = out_channels;
    what = fmt::format("{} data, {} input frames x {} channel(s)", pde_name(info_.pde), config_.input_frames, channels_);
  } else if (time_dependent()) {
    task_.input_frames = config_.input_frames;
    check(config_.input_frames < info_.frames, "data.input_frames: {} input frames, but the samples of {} have {}",
          config_.input_frames, file_, info_.frames);
    task_.output_frames = 0;
    in_channels_ = static_cast<int64_t>(config_.input_frames) * channels_;
    out_channels_ = static_cast<int64_t>(info_.frames - config_.input_frames) * channels_;
    what = fmt::format("{} data, {} input + {} output frames x {} channel(s)", pde_name(info_.pde),
                       config_.input_frames, info_.frames - config_.input_frames, channels_);
  } else {
    in_channels_ = out_channels_ = 1;
  }
  check(in_channels == in_channels_,
        "model.in_channels: the model takes {} input channels per point, but {} ({}) gives {}; is it the data "
        "file this model was configured for?", in_channels, file_, what, in_channels_);
  check(out_channels == out_channels_,
        "model.out_channels: the model predicts {} channels per point, but {} ({}) needs {}; is it the data file "
        "this model was configured for?", out_channels, file_, what, out_channels_);
  if (info_.point_cloud) {
    if (!info_.per_sample_positions) pos_ = from_array(reader.read_positions(0, 1));  // [1, N, 2]
  } else {
    pos_ = (config_.positions == "linspace" ? unit_grid_positions(height_, width_) : grid_positions(reader, config_.stride))
               .reshape({1, height_ * width_, 2});
  }
}

bool TaskData::time_dependent() const { return pde_spec(info_.pde).time_dependent(); }
size_t TaskData::given_frames() const { return time_dependent() ? config_.input_frames : 0; }
size_t TaskData::field_frames() const {
  return time_dependent() ? config_.input_frames + static_cast<size_t>(out_channels_ / channels_) : 1;
}

std::optional<Normaliser> TaskData::fit(const std::string& kind, bool inputs) const {
  if (kind == "none") return std::nullopt;
  const PdebenchReader reader(file_);
  const size_t n = config_.normaliser_samples == 0 ? split_.train.size()
                                                   : std::min(config_.normaliser_samples, split_.train.size());
  std::vector<torch::Tensor> parts;
  for (size_t begin = 0; begin < n; begin += 64) {
    std::vector<size_t> indices;
    for (size_t i = begin; i < std::min(n, begin + 64); ++i) indices.push_back(split_.train.begin + i);
    const Batch b = read_batch(reader, indices, task_);
    parts.push_back(inputs ? b.x : b.y);
  }
  return Normaliser::fit(normaliser_kind(kind), torch::cat(parts));
}

void TaskData::fit_normalisers() {
  if (config_.normalise_inputs == "none" && config_.normalise_targets == "none") return;
  check(use_ == DataUse::split, "{}: normalisers are fitted on a training split, and none was made", file_);
  const size_t n = config_.normaliser_samples == 0 ? split_.train.size()
                                                   : std::min(config_.normaliser_samples, split_.train.size());
  log::info("fitting the normalisers (data.normalise_inputs: {}, data.normalise_targets: {}) on the training samples "
            "[{}, {}) of {}", config_.normalise_inputs, config_.normalise_targets, split_.train.begin,
            split_.train.begin + n, file_);
  input_norm_ = fit(config_.normalise_inputs, true);
  target_norm_ = fit(config_.normalise_targets, false);
}

void TaskData::save_normalisers(const std::string& dir) const {
  if (input_norm_) input_norm_->save(dir + "/inputs.pt");
  if (target_norm_) target_norm_->save(dir + "/targets.pt");
}

void TaskData::load_normalisers(const std::string& dir) {
  input_norm_.reset();
  target_norm_.reset();
  if (config_.normalise_inputs != "none") input_norm_ = Normaliser::load(dir + "/inputs.pt");
  if (config_.normalise_targets != "none") target_norm_ = Normaliser::load(dir + "/targets.pt");
  // Per-point statistics exist only at the points they were fitted on: at another resolution
  // (zero-shot evaluation) there is no statistic for the new points, so say so instead of failing
  // in a broadcast.
  const auto check_grid = [&](const std::optional<Normaliser>& n, const char* key, const std::string& kind) {
    if (!n || !n->per_point()) return;
    const auto shape = n->statistics_shape();
    const bool fits = shape.size() >= 2 && shape[0] == height_ && shape[1] == width_;
    check(fits,
          "data.{}: {} statistics are per grid point and were fitted on a {}x{} grid, but {} gives {}x{} points; "
          "a run evaluated at another resolution needs scalar_gaussian normalisation (or data at the training "
          "resolution: see data.stride)",
          key, kind, shape.size() >= 1 ? shape[0] : 0, shape.size() >= 2 ? shape[1] : 0, file_, height_, width_);
  };
  check_grid(input_norm_, "normalise_inputs", config_.normalise_inputs);
  check_grid(target_norm_, "normalise_targets", config_.normalise_targets);
}

std::unique_ptr<BatchLoader> TaskData::train_loader(const LoaderOptions& options) const {
  return std::make_unique<BatchLoader>(file_, split_.train, task_, options);
}

std::unique_ptr<BatchLoader> TaskData::test_loader(size_t batch_size) const {
  return loader(split_.test, batch_size);
}

std::unique_ptr<BatchLoader> TaskData::loader(SampleRange range, size_t batch_size) const {
  LoaderOptions o;
  o.batch_size = batch_size;
  return std::make_unique<BatchLoader>(file_, range, task_, o);
}

torch::Tensor TaskData::features(const torch::Tensor& x) const {
  const torch::Tensor e = input_norm_ ? input_norm_->encode(x) : x;
  return e.reshape({x.size(0), height_ * width_, in_channels_});
}

torch::Tensor TaskData::target(const torch::Tensor& y) const {
  const torch::Tensor e = target_norm_ ? target_norm_->encode(y) : y;
  return e.reshape({y.size(0), height_ * width_, out_channels_});
}

torch::Tensor TaskData::decode_output(const torch::Tensor& out) const {
  const torch::Tensor grid = out.reshape({out.size(0), height_, width_, out_channels_});
  return target_norm_ ? target_norm_->decode(grid) : grid;
}

torch::Tensor TaskData::fields(const torch::Tensor& x, const torch::Tensor& y) const {
  const int64_t b = y.size(0);
  if (!time_dependent()) return y.reshape({b, height_, width_, 1, 1});
  return torch::cat({x.reshape({b, height_, width_, -1, channels_}), y.reshape({b, height_, width_, -1, channels_})}, 3);
}

torch::Tensor TaskData::positions(int64_t batch) const {
  check(pos_.defined(), "{}: each sample of this point cloud has its own points: the positions come with each "
        "batch, not from the file as a whole", file_);
  return pos_.expand({batch, -1, -1});
}

torch::Tensor TaskData::positions_of(const torch::Tensor& x, const torch::Tensor& batch_pos,
                                     const torch::Device& device) const {
  if (batch_pos.defined()) return batch_pos.to(device);
  return positions(x.size(0), device);
}

torch::Tensor TaskData::positions(int64_t batch, const torch::Device& device) const {
  positions(batch);  // the check
  if (device == pos_.device()) return positions(batch);
  if (!pos_on_device_.defined() || pos_on_device_.device() != device) pos_on_device_ = pos_.to(device);
  return pos_on_device_.expand({batch, -1, -1});
}

int64_t TaskData::train_split_bytes() const {
  return static_cast<int64_t>(split_.train.size()) * height_ * width_ * (in_channels_ + out_channels_) * 4;
}

std::optional<torch::Device> TaskData::resident_device(const torch::Device& device) const {
  constexpr int64_t kAutoLimit = int64_t(4) << 30;
  if (config_.resident == "true") return device;
  if (config_.resident == "auto" && device.is_cuda() && train_split_bytes() <= kAutoLimit) return device;
  return std::nullopt;
}

std::string TaskData::describe() const {
  const std::string samples =
      use_ == DataUse::split
          ? fmt::format("train samples [{}, {}), test samples [{}, {})", split_.train.begin, split_.train.end,
                        split_.test.begin, split_.test.end)
          : fmt::format("all {} samples{}", info_.samples, use_ == DataUse::inputs_only ? " (inputs only)" : "");
  const std::string points =
      info_.point_cloud ? fmt::format("{} scattered points ({})", height_,
                                      info_.per_sample_positions ? "each sample its own" : "one mesh for all samples")
                        : fmt::format("{}x{} points (stride {}{})", height_, width_, config_.stride,
                                      config_.positions == "linspace" ? ", placed at linspace(0, 1) per axis" : "");
  return fmt::format("{} ({}): {}, {}{}{}", file_, pde_name(info_.pde), points, samples,
                     input_norm_ ? ", inputs normalised (" + config_.normalise_inputs + ")" : "",
                     target_norm_ ? ", targets normalised (" + config_.normalise_targets + ")" : "");
}

}  // namespace mno::data
