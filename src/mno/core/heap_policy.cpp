#include "mno/core/heap_policy.h"

#include <cstdlib>
#include <initializer_list>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace mno {

bool keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
  for (const char* tuned : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES"})
    if (std::getenv(tuned)) return false;
  // All three together: setting any one of them turns off glibc's sliding mmap threshold, and a
  // trim threshold alone would leave every block over 128 KiB to mmap (5x slower, measured).
  const bool ok = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;  // glibc's largest allowed value
  return mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1 && mallopt(M_TOP_PAD, 64 << 20) == 1 && ok;
#else
  return false;
#endif
}

}  // namespace mno
