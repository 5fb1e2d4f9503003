// Picks the variant of the CPU scan kernel that runs (cpu_isa.h): the fastest compiled one this
// processor supports, unless MNO_SCAN_ISA or force_scan_cpu_isa names one.
#include <atomic>
#include <cstdlib>
#include <string>

#include "mno/core/error.h"
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

enum class Isa { generic, avx2 };

bool avx2_runs_here() {
#ifdef MNO_HAVE_AVX2_KERNEL
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
#else
  return false;
#endif
}

// `where` names who asked: the environment variable or the function.
Isa parse_isa(const std::string& name, const std::string& where) {
  if (name == "generic") return Isa::generic;
  if (name == "avx2") {
    check(avx2_runs_here(), "{}: 'avx2' asked for, but this build or processor has no AVX2+FMA kernel", where);
    return Isa::avx2;
  }
  throw mismatch_error(where, "generic or avx2", "'" + name + "'");
}

Isa chosen_at_start() {
  if (const char* env = std::getenv("MNO_SCAN_ISA"); env && *env) return parse_isa(env, "MNO_SCAN_ISA");
  return avx2_runs_here() ? Isa::avx2 : Isa::generic;
}

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
  return scan_kernel::active() == scan_kernel::Isa::avx2 ? "avx2+fma" : "generic";
}

void force_scan_cpu_isa(const std::string& name) {
  scan_kernel::forced.store(static_cast<int>(scan_kernel::parse_isa(name, "force_scan_cpu_isa")), std::memory_order_relaxed);
}

}  // namespace mno::ops
