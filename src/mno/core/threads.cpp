#include "mno/core/threads.h"

#include <dlfcn.h>

#include <thread>

#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include "mno/core/error.h"

namespace mno {

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

bool flush_denormals_to_zero() { return at::globalContext().setFlushDenormal(true); }

int set_blas_threads(int n) {
  // Looked up at run time: libblas.so.3 is whichever BLAS the system's alternatives point at.
  using SetThreads = void (*)(int);
  using GetThreads = int (*)();
  const auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  const auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  if (!set || !get) return -1;
  const int torch_threads = at::get_num_threads();
  set(n >= 1 ? n : torch_threads <= 2 ? 1 : torch_threads);
  return get();
}

int set_threads(int n) {
  check(n >= 0, "--threads: expected 0 (all cores) or a positive count, found {}", n);
  const int count = n == 0 ? hardware_threads() : n;
  at::set_num_threads(count);
  return at::get_num_threads();
}

}  // namespace mno
