#pragma once
// LibTorch's intra-op thread count. Debian's LibTorch starts with one thread on these machines,
// so every entry point sets it explicitly (DESIGN.md §4).
namespace mno {

// Sets the intra-op thread count; n <= 0 means "all cores". Returns the count in effect.
int set_threads(int n);

// The number of hardware threads (at least 1).
int hardware_threads();

}  // namespace mno
