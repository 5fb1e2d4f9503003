// The c10d process groups behind Collectives (train/distributed.h). Which exist depends on the
// LibTorch mno is built against (docs/libtorch.md): Debian's 1.13 has Gloo (its headers
// come from libgloo-dev; CMake defines MNO_HAVE_GLOO when it finds them), the PyTorch wheel on the
// GPU machine has NCCL (and a Gloo without headers, so not usable from C++). In 1.13 the groups
// derive from c10d::ProcessGroup, in 2.x from c10d::Backend; holding the concrete class keeps
// this file free of that difference, since both spell the collectives the same way.
#include <algorithm>
#include <type_traits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"
#include "mno/train/distributed.h"

#if defined(MNO_HAVE_GLOO)
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#if defined(MNO_WITH_CUDA)
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL  // the header's content is behind it; the CUDA wheel is built with NCCL
#endif
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define MNO_HAVE_NCCL 1
#endif

namespace mno::train {
namespace {

#if defined(MNO_HAVE_NCCL)
template <typename Group> constexpr bool is_nccl = std::is_same_v<Group, c10d::ProcessGroupNCCL>;
#else
template <typename Group> constexpr bool is_nccl = false;
#endif

template <typename Group>
class C10dCollectives final : public Collectives {
  static constexpr bool kIsNccl = is_nccl<Group>;

 public:
  C10dCollectives(DistributedEnv env, std::string backend, torch::Device device, std::chrono::milliseconds timeout,
                  c10::intrusive_ptr<c10d::Store> store, c10::intrusive_ptr<Group> group)
      : Collectives(std::move(env), std::move(backend), device, timeout), store_(std::move(store)), group_(std::move(group)) {}
  ~C10dCollectives() override {
#if defined(MNO_HAVE_NCCL) && MNO_TORCH_AT_LEAST(2, 0)
    // 2.x wants NCCL communicators torn down explicitly (else it warns at exit).
    if constexpr (kIsNccl) {
      try {
        group_->shutdown();
      } catch (...) {
      }
    }
#endif
  }

 private:
  // NCCL's wait() without a timeout only makes the current stream wait for the collective (the
  // host goes on queuing work); the group's own timeout, enforced by its watchdog, bounds it.
  // With a timeout it would block the host until the collective ends. Gloo's wait blocks anyway.
  static constexpr bool kHostWaits = !kIsNccl;
  static void finish(const c10::intrusive_ptr<c10d::Work>& w, std::chrono::milliseconds timeout) {
    const bool done = kHostWaits ? w->wait(timeout) : w->wait();
    if (!done) std::rethrow_exception(w->exception());
  }
  struct Work final : Pending {
    c10::intrusive_ptr<c10d::Work> work;
    void wait(std::chrono::milliseconds timeout) override { finish(work, timeout); }
  };
  std::shared_ptr<Pending> launch_all_reduce(torch::Tensor& tensor) override {
    std::vector<torch::Tensor> one{tensor};
    auto w = std::make_shared<Work>();
    w->work = group_->allreduce(one, c10d::AllreduceOptions());
    return w;
  }
  std::shared_ptr<Pending> launch_broadcast(std::vector<torch::Tensor>& tensors) override {
    // One tensor per call: Gloo and NCCL treat several tensors in one call as per-device copies.
    auto all = std::make_shared<Many>();
    for (auto& t : tensors) {
      std::vector<torch::Tensor> one{t};
      c10d::BroadcastOptions o;
      o.rootRank = 0;
      all->works.push_back(group_->broadcast(one, o));
    }
    return all;
  }
  struct Many final : Pending {
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    void wait(std::chrono::milliseconds timeout) override {
      for (auto& w : works) finish(w, timeout);
    }
  };
  void store_set(const std::string& key, const std::string& value) override {
    store_->set(key, std::vector<uint8_t>(value.begin(), value.end()));
  }
  std::string store_get(const std::string& key) override {
    const std::vector<uint8_t> v = store_->get(key);
    return std::string(v.begin(), v.end());
  }

  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<Group> group_;
};

c10::intrusive_ptr<c10d::Store> rendezvous(const DistributedEnv& env, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions o;
  o.port = static_cast<uint16_t>(env.master_port);
  o.isServer = env.rank == 0;
  o.numWorkers = static_cast<size_t>(env.world_size);
  o.waitWorkers = true;
  o.timeout = timeout;
  try {
    return c10::make_intrusive<c10d::TCPStore>(env.master_addr, o);
  } catch (const std::exception& e) {
    throw Error(fmt::format("rank {} of {}: the rendezvous at {}:{} did not complete within {} s ({}): {}", env.rank,
                            env.world_size, env.master_addr, env.master_port, timeout.count() / 1000.0,
                            env.rank == 0 ? "rank 0 listens there and waits for every other rank"
                                          : "rank 0 must be listening there",
                            describe_exception(e)));
  }
}

}  // namespace

std::vector<std::string> available_backends() {
  std::vector<std::string> out;
#if defined(MNO_HAVE_GLOO)
  out.push_back("gloo");
#endif
#if defined(MNO_HAVE_NCCL)
  out.push_back("nccl");
#endif
  return out;
}

std::shared_ptr<Collectives> Collectives::connect(const DistributedEnv& env, const std::string& requested,
                                                  torch::Device device, std::chrono::milliseconds timeout) {
  check(requested == "auto" || requested == "gloo" || requested == "nccl",
        "train.backend: expected auto, gloo or nccl, found '{}'", requested);
  const std::string backend = requested != "auto" ? requested : device.is_cuda() ? "nccl" : "gloo";
  const auto available = available_backends();
  check(std::find(available.begin(), available.end(), backend) != available.end(),
        "train.backend {}: this build of mno has no {} process group (available: {}). {}", backend, backend,
        available.empty() ? "none" : fmt::format("{}", fmt::join(available, ", ")),
        backend == "nccl" ? "NCCL needs a CUDA LibTorch (docs/gpu.md)"
                          : "Gloo needs Debian's LibTorch and libgloo-dev (the PyTorch wheel ships no Gloo headers)");
  check(backend != "gloo" || !device.is_cuda(), "train.backend gloo: mno's Gloo group moves CPU tensors; training on "
        "the {} needs train.backend nccl (or auto)", device.str());
  check(backend != "nccl" || device.is_cuda(), "train.backend nccl: NCCL moves CUDA tensors, but training runs on the {}",
        device.str());
  auto store = rendezvous(env, timeout);
  try {
#if defined(MNO_HAVE_GLOO)
    if (backend == "gloo") {
      auto options = c10d::ProcessGroupGloo::Options::create(timeout);
      const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
      options->devices.push_back(ifname && *ifname ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                                                   : c10d::ProcessGroupGloo::createDefaultDevice());
      auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world_size, options);
      return std::make_shared<C10dCollectives<c10d::ProcessGroupGloo>>(env, backend, torch::Device(torch::kCPU), timeout,
                                                                        store, group);
    }
#endif
#if defined(MNO_HAVE_NCCL)
    if (backend == "nccl") {
      // The rank's GPU becomes its current device, so nothing of it lands on GPU 0 by default.
      c10::cuda::set_device(device.index());
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      auto group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, env.rank, env.world_size, options);
      return std::make_shared<C10dCollectives<c10d::ProcessGroupNCCL>>(env, backend, device, timeout, store, group);
    }
#endif
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(fmt::format("rank {} of {}: cannot create the {} process group: {}", env.rank, env.world_size, backend,
                            describe_exception(e)));
  }
  throw Error(fmt::format("train.backend {}: not available in this build", backend));
}

}  // namespace mno::train
