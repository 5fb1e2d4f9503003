#pragma once
// Data-parallel training over several processes (docs/distributed.md), on
// LibTorch's c10d: one process per device, rendezvous through the standard environment
// (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK — what torchrun, mpirun or a scheduler
// set; Open MPI's OMPI_COMM_WORLD_* are accepted too) and c10d's TCP store, then a Gloo (CPU)
// or NCCL (CUDA) process group.
//
// The C++ frontend has no DistributedDataParallel (docs/libtorch.md), so this file does
// what DDP does: rank 0's parameters and buffers are broadcast once, and gradients are summed in
// buckets that start their all-reduce from autograd hooks while backward is still running.
//
// Every collective is bounded by `timeout`: a dead rank or a lost rendezvous ends every process
// with an error naming its rank and the cause, never a hang.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace mno::train {

// Where this process stands in the job; world_size 1 is a plain single-process run.
struct DistributedEnv {
  int rank = 0, world_size = 1, local_rank = 0;
  std::string master_addr;
  int master_port = 0;
  bool active() const { return world_size > 1; }
};

// Reads the environment. Without WORLD_SIZE (or with WORLD_SIZE=1) the run is single-process.
// Inconsistent values (RANK outside [0, WORLD_SIZE), no MASTER_PORT, ...) are an error naming
// the variable and what was expected.
DistributedEnv distributed_env_from_environment();

// The backends this build can use, e.g. {"gloo"} on Debian's LibTorch, {"nccl"} with CUDA.
std::vector<std::string> available_backends();

// A process group: the collectives the trainer needs, on whichever backend.
class Collectives {
 public:
  virtual ~Collectives() = default;
  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  torch::Device device() const { return device_; }
  const std::string& backend() const { return backend_; }
  // "rank 1 of 2 (gloo)" — for messages.
  std::string where() const;

  // Connects to the other ranks: `backend` auto|gloo|nccl (auto: nccl for a CUDA device, else
  // gloo). Fails within `timeout` when the rendezvous cannot complete.
  static std::shared_ptr<Collectives> connect(const DistributedEnv& env, const std::string& backend,
                                              torch::Device device, std::chrono::milliseconds timeout);

  // In place, across ranks; `what` names the operation in errors ("the gradient all-reduce at
  // step 12"). Each waits at most the timeout.
  void broadcast_from_rank0(std::vector<torch::Tensor>& tensors, const std::string& what);
  void all_reduce_sum(torch::Tensor& tensor, const std::string& what);
  // Starts a sum all-reduce and returns at once; `wait_all` finishes every one started.
  void start_all_reduce_sum(torch::Tensor& tensor);
  void wait_all(const std::string& what);

  // The sums over ranks of a few numbers (a loss, a stop flag), read back to the host.
  std::vector<double> sum_scalars(const std::vector<double>& values, const std::string& what);

  // Every rank learns whether any rank failed, and rank 0's message if it did (through the store):
  // ranks stop together instead of waiting for one that gave up.
  void agree_or_throw(bool ok, const std::string& message, const std::string& what);

 protected:
  Collectives(DistributedEnv env, std::string backend, torch::Device device, std::chrono::milliseconds timeout)
      : env_(std::move(env)), backend_(std::move(backend)), device_(device), timeout_(timeout) {}
  // One collective in flight.
  struct Pending {
    virtual ~Pending() = default;
    virtual void wait(std::chrono::milliseconds timeout) = 0;
  };
  virtual std::shared_ptr<Pending> launch_all_reduce(torch::Tensor& tensor) = 0;
  virtual std::shared_ptr<Pending> launch_broadcast(std::vector<torch::Tensor>& tensors) = 0;
  virtual void store_set(const std::string& key, const std::string& value) = 0;
  virtual std::string store_get(const std::string& key) = 0;
  void wait(Pending& pending, const std::string& what);

  DistributedEnv env_;
  std::string backend_;
  torch::Device device_;  // where this backend's tensors must live (CPU for Gloo, the GPU for NCCL)
  std::chrono::milliseconds timeout_;
  std::vector<std::shared_ptr<Pending>> in_flight_;
};

// Sums (weighted) gradients across ranks in buckets of about `bucket_bytes`, in reverse
// parameter order (roughly the order backward produces them). A bucket's all-reduce starts from
// the autograd hook of its last gradient, so communication overlaps the rest of backward.
// Parameters that get no gradient in a step contribute zeros.
class GradientReducer {
 public:
  GradientReducer(std::vector<torch::Tensor> parameters, std::shared_ptr<Collectives> collectives,
                  int64_t bucket_bytes = 25 << 20);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Before backward: this rank's gradients are multiplied by `weight` (its share of the global
  // batch) as they are reduced, so the sum over ranks is the gradient of the global mean.
  void begin_step(double weight);
  // After backward: finishes every bucket and writes the summed gradients into .grad. On CUDA
  // this only orders the current stream after the all-reduces: the host does not wait.
  void finish_step(const std::string& what);

 private:
  struct Bucket {
    std::vector<size_t> members;  // parameter indices
    std::vector<int64_t> offsets;
    torch::Tensor flat;
    size_t ready = 0;
    bool launched = false;
  };
  void on_gradient(size_t index, const torch::Tensor& grad);
  void launch(Bucket& bucket);

  std::vector<torch::Tensor> parameters_;
  std::shared_ptr<Collectives> collectives_;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_, slot_of_;
  std::vector<bool> seen_;
  double weight_ = 1.0;
  bool in_step_ = false;
  std::vector<unsigned> hooks_;  // removed again by the destructor
  std::mutex mutex_;             // hooks may run on autograd's device threads
};

// A LibTorch error's message without its C++ backtrace; other exceptions' what().
std::string describe_exception(const std::exception& e);

// A test hook (docs/distributed.md): MNO_FAULT_KILL_RANK=R:S kills rank R with SIGKILL once it
// has taken S steps, as a crashed machine would.
void maybe_fault_kill(int rank, int64_t step);

}  // namespace mno::train
