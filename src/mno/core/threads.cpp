#include "mno/core/threads.h"

#include <thread>

#include <ATen/Parallel.h>

#include "mno/core/error.h"

namespace mno {

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

int set_threads(int n) {
  check(n >= 0, "--threads: expected 0 (all cores) or a positive count, found {}", n);
  const int count = n == 0 ? hardware_threads() : n;
  at::set_num_threads(count);
  return at::get_num_threads();
}

}  // namespace mno
