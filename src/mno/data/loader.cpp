#include "mno/data/loader.h"

#include <algorithm>
#include <numeric>
#include <random>

#include <torch/torch.h>

#include "mno/core/error.h"

namespace mno::data {

SampleRange shard_of_batch(size_t batch, int rank, int world) {
  check(world >= 1 && rank >= 0 && rank < world, "shard_of_batch: rank {} is not in [0, {})", rank, world);
  const size_t w = static_cast<size_t>(world), r = static_cast<size_t>(rank);
  const size_t base = batch / w, extra = batch % w;
  const size_t begin = r * base + std::min(r, extra);
  return {begin, begin + base + (r < extra ? 1 : 0)};
}

BatchLoader::BatchLoader(const std::string& path, SampleRange range, TaskSpec task, LoaderOptions options)
    : reader_(path), range_(range), task_(task), options_(options) {
  check(options_.batch_size >= 1, "{}: batch size must be at least 1", path);
  check(options_.world_size >= 1 && options_.rank >= 0 && options_.rank < options_.world_size,
        "{}: rank {} is not in [0, {})", path, options_.rank, options_.world_size);
  check(range_.begin < range_.end && range_.end <= reader_.info().samples, "{}: sample range [{}, {}) does not fit {} samples",
        path, range_.begin, range_.end, reader_.info().samples);
  check(reader_.info().nx % task_.stride == 0 && reader_.info().ny % task_.stride == 0,
        "{}: stride {} does not divide the grid {}x{}", path, task_.stride, reader_.info().nx, reader_.info().ny);
}

BatchLoader::~BatchLoader() { stop(); }

size_t BatchLoader::batches_per_epoch() const {
  const size_t n = range_.size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

void BatchLoader::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancel_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BatchLoader::start_epoch(uint64_t epoch, size_t first_batch) {
  stop();
  std::vector<size_t> order(range_.size());
  std::iota(order.begin(), order.end(), range_.begin);
  if (options_.shuffle) {
    // Fisher–Yates with our own index draws: the order must not depend on the standard library.
    std::mt19937_64 engine(options_.seed * 0x9e3779b97f4a7c15ULL + epoch);
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[engine() % i]);
  }
  std::vector<std::vector<size_t>> batches;
  check(first_batch <= batches_per_epoch(), "{}: epoch {} has {} batches, cannot start at batch {}", reader_.path(),
        epoch, batches_per_epoch(), first_batch);
  for (size_t b = first_batch; b < batches_per_epoch(); ++b) {
    const size_t first = b * options_.batch_size, last = std::min(order.size(), first + options_.batch_size);
    const SampleRange mine = shard_of_batch(last - first, options_.rank, options_.world_size);
    batches.emplace_back(order.begin() + first + mine.begin, order.begin() + first + mine.end);
  }
  if (options_.resident) {
    load_resident();
    std::vector<int64_t> positions;
    epoch_batches_.clear();
    for (const auto& indices : batches) {
      const auto begin = static_cast<int64_t>(positions.size());
      for (size_t i : indices) positions.push_back(static_cast<int64_t>(i - range_.begin));
      epoch_batches_.emplace_back(begin, static_cast<int64_t>(positions.size()));
    }
    // One copy of the epoch's order to the device: the only host-to-device transfer of the epoch.
    epoch_positions_ = torch::tensor(positions, torch::kLong).to(*options_.resident);
    next_batch_ = 0;
    return;
  }
  slot_.reset();
  failure_ = nullptr;
  finished_ = false;
  cancel_ = false;
  thread_ = std::thread(&BatchLoader::prefetch, this, std::move(batches));
}

void BatchLoader::load_resident() {
  if (resident_.x.defined()) return;
  constexpr size_t kChunk = 64;  // samples per read while loading
  std::vector<torch::Tensor> xs, ys, ps;
  for (size_t first = range_.begin; first < range_.end; first += kChunk) {
    std::vector<size_t> indices(std::min(kChunk, range_.end - first));
    std::iota(indices.begin(), indices.end(), first);
    Batch chunk = read_batch(reader_, indices, task_);
    xs.push_back(chunk.x.to(*options_.resident));
    ys.push_back(chunk.y.to(*options_.resident));
    if (chunk.pos.defined()) ps.push_back(chunk.pos.to(*options_.resident));
  }
  resident_ = {torch::cat(xs), torch::cat(ys), ps.empty() ? torch::Tensor() : torch::cat(ps)};
}

std::optional<Batch> BatchLoader::next_resident() {
  check(epoch_positions_.defined(), "{}: next() before start_epoch()", reader_.path());
  if (next_batch_ >= epoch_batches_.size()) return std::nullopt;
  const auto [begin, end] = epoch_batches_[next_batch_++];
  if (begin == end) return Batch{};  // this rank's empty shard of a short last batch
  const auto positions = epoch_positions_.slice(0, begin, end);
  return Batch{resident_.x.index_select(0, positions), resident_.y.index_select(0, positions),
               resident_.pos.defined() ? resident_.pos.index_select(0, positions) : torch::Tensor()};
}

void BatchLoader::prefetch(std::vector<std::vector<size_t>> batches) {
  for (const auto& indices : batches) {
    std::optional<Batch> batch;
    try {
      batch = indices.empty() ? Batch{} : read_batch(reader_, indices, task_);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      failure_ = std::current_exception();
      finished_ = true;
      changed_.notify_all();
      return;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return cancel_ || !slot_.has_value(); });
    if (cancel_) return;
    slot_ = std::move(batch);
    changed_.notify_all();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  finished_ = true;
  changed_.notify_all();
}

std::optional<Batch> BatchLoader::next() {
  if (options_.resident) return next_resident();
  check(thread_.joinable(), "{}: next() before start_epoch()", reader_.path());
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return slot_.has_value() || finished_; });
  if (slot_) {
    std::optional<Batch> out = std::move(slot_);
    slot_.reset();
    changed_.notify_all();
    return out;
  }
  if (failure_) std::rethrow_exception(failure_);
  return std::nullopt;
}

}  // namespace mno::data
