#pragma once
// Batches of one split of a PDEBench file, read on a background thread one batch ahead, so
// HDF5 reads overlap the training step. Shuffling is per epoch from (seed, epoch): the same
// seed gives the same batches. Only the prefetch thread touches the file (HDF5 calls are
// serialised globally in hdf5_file.cpp anyway). Several processes training together each read
// their shard of every batch (LoaderOptions::rank).
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "mno/data/splits.h"
#include "mno/data/task.h"

namespace mno::data {

struct LoaderOptions {
  size_t batch_size = 8;
  bool shuffle = false;
  bool drop_last = false;
  uint64_t seed = 0;
  // Data-parallel training: this process reads only its shard of every batch (shard_of_batch);
  // batch_size stays the global batch. A rank whose shard of a short last batch is empty gets a
  // Batch with undefined tensors, so every rank sees the same number of steps.
  int rank = 0, world_size = 1;
  // Resident: the whole range is read once, at the first epoch, and kept on this device; batches
  // are then gathered there (index_select) in the same order as from the file — no reads, no
  // host-to-device copies, no host waits per step. For data that fits (the trainer decides,
  // `data.resident`, docs/training.md). Not set: batches are read from the file one ahead.
  std::optional<torch::Device> resident;
};

// The contiguous part of a global batch of `batch` samples that `rank` of `world` trains on: the
// first batch % world ranks take one sample more. Every sample of the batch lands on exactly one
// rank, so an epoch over all ranks is the single-process epoch, for any world size.
// Positions within the batch, [begin, end).
SampleRange shard_of_batch(size_t batch, int rank, int world);

class BatchLoader {
 public:
  BatchLoader(const std::string& path, SampleRange range, TaskSpec task, LoaderOptions options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  size_t batches_per_epoch() const;
  // Starts an epoch: the order of samples for it is fixed now and reading begins at once.
  // `first_batch` > 0 skips the epoch's first batches without reading them (a resumed run).
  void start_epoch(uint64_t epoch, size_t first_batch = 0);
  // The next batch of the epoch, or nothing when it is over. Errors from reading surface here.
  std::optional<Batch> next();
  const PdebenchReader& reader() const { return reader_; }

 private:
  void stop();
  void prefetch(std::vector<std::vector<size_t>> batches);
  void load_resident();
  std::optional<Batch> next_resident();
  PdebenchReader reader_;
  SampleRange range_;
  TaskSpec task_;
  LoaderOptions options_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<Batch> slot_;  // one batch read ahead
  std::exception_ptr failure_;
  bool finished_ = false, cancel_ = false;
  // Resident mode: the range's samples in file order, the epoch's sample positions in it
  // (batches one after another, on the device) and where each batch starts and ends there.
  Batch resident_;
  torch::Tensor epoch_positions_;
  std::vector<std::pair<int64_t, int64_t>> epoch_batches_;
  size_t next_batch_ = 0;
};

}  // namespace mno::data
