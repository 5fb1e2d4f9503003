#include "mno/train/distributed.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "mno/core/error.h"

namespace mno::train {
namespace {

// The first of `names` that is set, and which one it was.
const char* first_env(std::initializer_list<const char*> names, std::string& which) {
  for (const char* n : names) {
    if (const char* v = std::getenv(n)) {
      which = n;
      return v;
    }
  }
  which = *names.begin();
  return nullptr;
}

int env_int(const std::string& name, const char* value, int lo, int hi, const std::string& expected) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(value, &end, 10);
  check(end != value && *end == '\0' && errno == 0 && v >= lo && v <= hi,
        "environment variable {}='{}': expected {}", name, value, expected);
  return static_cast<int>(v);
}

}  // namespace

std::string describe_exception(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

DistributedEnv distributed_env_from_environment() {
  DistributedEnv env;
  std::string name;
  const char* world = first_env({"WORLD_SIZE", "OMPI_COMM_WORLD_SIZE"}, name);
  if (!world) return env;
  env.world_size = env_int(name, world, 1, 1 << 20, "the number of processes, at least 1");
  if (env.world_size == 1) return env;
  const char* rank = first_env({"RANK", "OMPI_COMM_WORLD_RANK"}, name);
  check(rank != nullptr, "WORLD_SIZE={} but RANK is not set: every process needs its rank (0 to {})", env.world_size,
        env.world_size - 1);
  env.rank = env_int(name, rank, 0, env.world_size - 1, fmt::format("a rank from 0 to {} (WORLD_SIZE - 1)", env.world_size - 1));
  const char* local = first_env({"LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_RANK"}, name);
  env.local_rank = local ? env_int(name, local, 0, env.world_size - 1, "this process's index on its machine") : env.rank;
  const char* addr = std::getenv("MASTER_ADDR");
  env.master_addr = addr && *addr ? addr : "127.0.0.1";
  const char* port = std::getenv("MASTER_PORT");
  check(port != nullptr, "WORLD_SIZE={} but MASTER_PORT is not set: the ranks meet at MASTER_ADDR:MASTER_PORT "
        "(rank 0 listens there; mno launch and torchrun set it)", env.world_size);
  env.master_port = env_int("MASTER_PORT", port, 1, 65535, "a TCP port from 1 to 65535");
  return env;
}

std::string Collectives::where() const { return fmt::format("rank {} of {} ({})", env_.rank, env_.world_size, backend_); }

void Collectives::wait(Pending& pending, const std::string& what) {
  try {
    pending.wait(timeout_);
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: {} failed: {}. Another rank has probably stopped (see its message) or cannot be "
                            "reached; the limit is train.distributed_timeout_s = {} s",
                            where(), what, describe_exception(e), timeout_.count() / 1000.0));
  }
}

void Collectives::broadcast_from_rank0(std::vector<torch::Tensor>& tensors, const std::string& what) {
  if (tensors.empty()) return;
  auto pending = launch_broadcast(tensors);
  wait(*pending, what);
}

void Collectives::all_reduce_sum(torch::Tensor& tensor, const std::string& what) {
  auto pending = launch_all_reduce(tensor);
  wait(*pending, what);
}

void Collectives::start_all_reduce_sum(torch::Tensor& tensor) { in_flight_.push_back(launch_all_reduce(tensor)); }

void Collectives::wait_all(const std::string& what) {
  auto pending = std::move(in_flight_);
  in_flight_.clear();
  for (auto& p : pending) wait(*p, what);
}

std::vector<double> Collectives::sum_scalars(const std::vector<double>& values, const std::string& what) {
  torch::Tensor sums = torch::tensor(values, torch::dtype(torch::kDouble)).to(device_);
  all_reduce_sum(sums, what);
  const torch::Tensor host = sums.cpu();
  return std::vector<double>(host.data_ptr<double>(), host.data_ptr<double>() + host.numel());
}

void Collectives::agree_or_throw(bool ok, const std::string& message, const std::string& what) {
  // Each failing rank leaves its message in the store before the vote, so the others can quote it.
  if (!ok) store_set(fmt::format("mno/failure/{}/{}", what, env_.rank), message);
  torch::Tensor failed = torch::zeros({env_.world_size}, torch::TensorOptions().dtype(torch::kFloat).device(device_));
  if (!ok) failed[env_.rank].fill_(1.0);
  all_reduce_sum(failed, what);
  const torch::Tensor votes = failed.cpu();
  for (int r = 0; r < env_.world_size; ++r) {
    if (votes[r].item<float>() == 0.0f) continue;
    if (!ok) throw Error(message);
    throw Error(fmt::format("{}: stopping because rank {} failed during {}: {}", where(), r, what,
                            store_get(fmt::format("mno/failure/{}/{}", what, r))));
  }
}

GradientReducer::GradientReducer(std::vector<torch::Tensor> parameters, std::shared_ptr<Collectives> collectives,
                                 int64_t bucket_bytes)
    : collectives_(std::move(collectives)) {
  for (auto& p : parameters)
    if (p.requires_grad()) parameters_.push_back(p);
  bucket_of_.resize(parameters_.size());
  slot_of_.resize(parameters_.size());
  seen_.assign(parameters_.size(), false);
  // Reverse order: backward produces the last layers' gradients first, so their bucket fills first.
  int64_t bytes = bucket_bytes;
  for (size_t k = parameters_.size(); k-- > 0;) {
    const torch::Tensor& p = parameters_[k];
    const int64_t size = static_cast<int64_t>(p.numel() * p.element_size());
    const bool same_kind = !buckets_.empty() && parameters_[buckets_.back().members.front()].dtype() == p.dtype();
    if (buckets_.empty() || bytes + size > bucket_bytes || !same_kind) {
      buckets_.emplace_back();
      bytes = 0;
    }
    Bucket& b = buckets_.back();
    bucket_of_[k] = buckets_.size() - 1;
    slot_of_[k] = b.members.size();
    b.offsets.push_back(b.members.empty() ? 0 : b.offsets.back() + parameters_[b.members.back()].numel());
    b.members.push_back(k);
    bytes += size;
  }
  for (Bucket& b : buckets_) {
    const torch::Tensor& last = parameters_[b.members.back()];
    b.flat = torch::zeros({b.offsets.back() + last.numel()}, last.options().requires_grad(false));
  }
  for (size_t k = 0; k < parameters_.size(); ++k)
    hooks_.push_back(parameters_[k].register_hook([this, k](const torch::Tensor& grad) { on_gradient(k, grad); }));
}

GradientReducer::~GradientReducer() {
  for (size_t k = 0; k < parameters_.size(); ++k) parameters_[k].remove_hook(hooks_[k]);
}

void GradientReducer::begin_step(double weight) {
  std::lock_guard<std::mutex> lock(mutex_);
  weight_ = weight;
  in_step_ = true;
  seen_.assign(parameters_.size(), false);
  for (Bucket& b : buckets_) {
    b.ready = 0;
    b.launched = false;
  }
}

void GradientReducer::launch(Bucket& b) {
  if (weight_ != 1.0) b.flat.mul_(weight_);
  b.launched = true;
  collectives_->start_all_reduce_sum(b.flat);
}

void GradientReducer::on_gradient(size_t k, const torch::Tensor& grad) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!in_step_) return;  // a backward outside training (e.g. a test's) is none of our business
  Bucket& b = buckets_[bucket_of_[k]];
  const size_t slot = slot_of_[k];
  torch::NoGradGuard no_grad;
  b.flat.narrow(0, b.offsets[slot], parameters_[k].numel()).copy_(grad.reshape(-1));
  if (!seen_[k]) {
    seen_[k] = true;
    if (++b.ready == b.members.size()) launch(b);
  }
}

void GradientReducer::finish_step(const std::string& what) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    torch::NoGradGuard no_grad;
    for (Bucket& b : buckets_) {
      if (b.launched) continue;
      for (size_t slot = 0; slot < b.members.size(); ++slot)
        if (!seen_[b.members[slot]]) b.flat.narrow(0, b.offsets[slot], parameters_[b.members[slot]].numel()).zero_();
      launch(b);
    }
    in_step_ = false;
  }
  collectives_->wait_all("the gradient all-reduce at " + what);
  torch::NoGradGuard no_grad;
  for (const Bucket& b : buckets_) {
    for (size_t slot = 0; slot < b.members.size(); ++slot) {
      torch::Tensor& p = parameters_[b.members[slot]];
      const torch::Tensor summed = b.flat.narrow(0, b.offsets[slot], p.numel()).view(p.sizes());
      if (p.grad().defined()) p.mutable_grad().copy_(summed);
      else p.mutable_grad() = summed.clone();
    }
  }
}

void maybe_fault_kill(int rank, int64_t step) {
  static const char* spec = std::getenv("MNO_FAULT_KILL_RANK");
  if (!spec) return;
  int r = -1;
  long long s = -1;
  if (std::sscanf(spec, "%d:%lld", &r, &s) == 2 && r == rank && s == step) std::raise(SIGKILL);
}

}  // namespace mno::train
