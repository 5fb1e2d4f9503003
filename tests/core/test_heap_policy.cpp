// core/heap_policy.h: freed multi-MiB blocks stay in the heap for the next allocation instead of
// going back to the kernel, and a user's own allocator settings are left alone. test_main.cpp
// applies the policy to the whole suite, as the CLI does.
#include <cstdlib>
#include <vector>

#include <gtest/gtest.h>

#include "mno/core/heap_policy.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace mno {
namespace {

#if defined(__GLIBC__)
TEST(HeapPolicy, KeepsAFreedSixteenMibBlockInTheHeapForReuse) {
  ASSERT_TRUE(keep_freed_memory_for_reuse()) << "glibc, and no MALLOC_* or GLIBC_TUNABLES set for the suite";
  const struct mallinfo2 before = mallinfo2();
  const size_t bytes = size_t(16) << 20;
  char* block = static_cast<char*>(std::malloc(bytes));
  ASSERT_NE(block, nullptr);
  for (size_t i = 0; i < bytes; i += 4096) block[i] = 1;  // touch it: its pages now exist
  const struct mallinfo2 held = mallinfo2();
  // glibc's defaults would have mapped it on its own (mmap, counted in hblkhd) and unmapped it on free.
  EXPECT_EQ(held.hblkhd, before.hblkhd) << "a 16 MiB block was mmap-ed, not taken from the heap";
  std::free(block);
  const struct mallinfo2 after = mallinfo2();
  EXPECT_GE(after.arena, held.arena) << "the heap shrank on free: the block went back to the kernel";
  EXPECT_GE(after.fordblks, bytes) << "the freed block is not among the heap's free bytes";
}

TEST(HeapPolicy, LeavesTheAllocatorAloneWhenTheUserTunedIt) {
  for (const char* name : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES"}) {
    ASSERT_EQ(std::getenv(name), nullptr) << name << " is set for the suite";
    ::setenv(name, "1", 1);
    EXPECT_FALSE(keep_freed_memory_for_reuse()) << "with " << name << " set";
    ::unsetenv(name);
  }
  EXPECT_TRUE(keep_freed_memory_for_reuse());
}
#else
TEST(HeapPolicy, DoesNothingWithoutGlibc) { EXPECT_FALSE(keep_freed_memory_for_reuse()); }
#endif

}  // namespace
}  // namespace mno
