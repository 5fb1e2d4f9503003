// Picks the fastest compiled variant of the CPU scan kernel that this processor can run.
#include "mno/ops/selective_scan/kernel.h"

namespace mno::ops::scan_kernel {

#define MNO_DECLARE_VARIANT(ns)                                                                   \
  namespace ns {                                                                                  \
  template <typename T> void forward_impl(const Problem<T>&, const ForwardOut<T>&, const ParallelFor&, int); \
  template <typename T> void backward_impl(const Problem<T>&, const BackwardIO<T>&, const ParallelFor&, int); \
  }
MNO_DECLARE_VARIANT(generic)
#ifdef MNO_HAVE_AVX2_KERNEL
MNO_DECLARE_VARIANT(avx2)
#endif
#undef MNO_DECLARE_VARIANT

namespace {
bool use_avx2() {
#ifdef MNO_HAVE_AVX2_KERNEL
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
#else
  return false;
#endif
}
}  // namespace

const char* instruction_set() { return use_avx2() ? "avx2+fma" : "generic"; }

template <typename T> void forward(const Problem<T>& p, const ForwardOut<T>& out, const ParallelFor& pfor, int threads) {
#ifdef MNO_HAVE_AVX2_KERNEL
  if (use_avx2()) return avx2::forward_impl<T>(p, out, pfor, threads);
#endif
  generic::forward_impl<T>(p, out, pfor, threads);
}

template <typename T> void backward(const Problem<T>& p, const BackwardIO<T>& io, const ParallelFor& pfor, int threads) {
#ifdef MNO_HAVE_AVX2_KERNEL
  if (use_avx2()) return avx2::backward_impl<T>(p, io, pfor, threads);
#endif
  generic::backward_impl<T>(p, io, pfor, threads);
}

template void forward<float>(const Problem<float>&, const ForwardOut<float>&, const ParallelFor&, int);
template void forward<double>(const Problem<double>&, const ForwardOut<double>&, const ParallelFor&, int);
template void backward<float>(const Problem<float>&, const BackwardIO<float>&, const ParallelFor&, int);
template void backward<double>(const Problem<double>&, const BackwardIO<double>&, const ParallelFor&, int);

}  // namespace mno::ops::scan_kernel
