// Seeding: a scoped seed draws as a fresh seed would, then hands the caller's stream back intact.
#include <gtest/gtest.h>

#include "mno/core/seed.h"

namespace {

TEST(ScopedCpuSeed, DrawsAsSeededInsideAndRestoresTheCallersStreamAfter) {
  torch::manual_seed(5);
  const auto seeded = torch::rand({4});
  torch::manual_seed(7);
  const auto callers_next = torch::rand({4});
  torch::manual_seed(7);
  {
    const mno::ScopedCpuSeed scope(5);
    EXPECT_TRUE(torch::equal(torch::rand({4}), seeded));
  }
  EXPECT_TRUE(torch::equal(torch::rand({4}), callers_next));
}

}  // namespace
