#pragma once
// How the C library's allocator returns freed memory to the system, for the mno process.
namespace mno {

// Keeps freed heap memory for reuse instead of handing it back to the kernel (glibc's mallopt:
// blocks up to 32 MiB come from the heap, not from mmap, and up to 1 GiB of free memory at the
// heap's top is kept, grown in 64 MiB steps). Why: LibTorch's CPU allocator is plain malloc, and
// with glibc's defaults a training step's multi-MiB tensors were returned to the kernel when
// freed and faulted back in, page by page and zeroed, on the next step. On the 2-core
// development VM the demo-size GT-Mamba forward took 338–382 ms that way and 112–131 ms with
// this policy (docs/performance.md). The price: the process keeps up to 1 GiB more memory than
// it uses at a given moment, after its peak. Leaves the allocator alone when the user tuned it
// (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_ or GLIBC_TUNABLES set) and
// where the C library is not glibc. Call first thing, before the first large allocation.
// Returns whether it changed anything.
bool keep_freed_memory_for_reuse();

}  // namespace mno
