// Picks the variant of the CPU scan kernel that runs (cpu_isa.h): the fastest compiled one this
// processor supports (ops/common/cpu_isa.h), unless MNO_SCAN_ISA or force_scan_cpu_isa names one.
#include <atomic>
#include <string>

#include "mno/ops/common/cpu_isa.h"
#include "mno/ops/selective_scan/cpu_isa.h"
#include "mno/ops/selective_scan/kernel.h"

namespace mno::ops::scan_kernel {

#define MNO_DECLARE_VARIANT(ns)                                                                   \
  namespace ns {                                                                                  \
  template <typename T> void forward_impl(const Problem<T>&, const ForwardOut<T>&, const ParallelFor&, int); \
  template <typename T> void backward_impl(const Problem<T>&, const BackwardIO<T>&, const ParallelFor&); \
  }
MNO_DECLARE_VARIANT(generic)
#ifdef MNO_HAVE_AVX2_KERNEL
MNO_DECLARE_VARIANT(avx2)
#endif
#undef MNO_DECLARE_VARIANT

namespace {

using Isa = CpuIsa;

Isa chosen_at_start() { return cpu_isa_at_start("MNO_SCAN_ISA"); }

// -1 until force_scan_cpu_isa is called; then the Isa it named.
std::atomic<int> forced{-1};

Isa active() {
  const int f = forced.load(std::memory_order_relaxed);
  if (f >= 0) return static_cast<Isa>(f);
  static const Isa at_start = chosen_at_start();
  return at_start;
}

}  // namespace

template <typename T> void forward(const Problem<T>& p, const ForwardOut<T>& out, const ParallelFor& pfor, int threads) {
#ifdef MNO_HAVE_AVX2_KERNEL
  if (active() == Isa::avx2) return avx2::forward_impl<T>(p, out, pfor, threads);
#endif
  generic::forward_impl<T>(p, out, pfor, threads);
}

template <typename T> void backward(const Problem<T>& p, const BackwardIO<T>& io, const ParallelFor& pfor) {
#ifdef MNO_HAVE_AVX2_KERNEL
  if (active() == Isa::avx2) return avx2::backward_impl<T>(p, io, pfor);
#endif
  generic::backward_impl<T>(p, io, pfor);
}

template void forward<float>(const Problem<float>&, const ForwardOut<float>&, const ParallelFor&, int);
template void forward<double>(const Problem<double>&, const ForwardOut<double>&, const ParallelFor&, int);
template void backward<float>(const Problem<float>&, const BackwardIO<float>&, const ParallelFor&);
template void backward<double>(const Problem<double>&, const BackwardIO<double>&, const ParallelFor&);

}  // namespace mno::ops::scan_kernel

namespace mno::ops {

std::string scan_cpu_isa() {
  return cpu_isa_name(scan_kernel::active());
}

void force_scan_cpu_isa(const std::string& name) {
  scan_kernel::forced.store(static_cast<int>(parse_cpu_isa(name, "force_scan_cpu_isa")), std::memory_order_relaxed);
}

}  // namespace mno::ops
