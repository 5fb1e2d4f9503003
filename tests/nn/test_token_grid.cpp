// The token grid rule shared by 4-direction scans and the models: a given grid is kept, a missing
// one is the square √L × √L, and anything else is an error naming the caller.
#include <gtest/gtest.h>

#include "mno/nn/token_grid.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

TEST(TokenGrid, GivenGridIsKept) {
  const auto g = nn::resolve_token_grid({3, 4}, 12, "layer");
  EXPECT_EQ(g.height, 3);
  EXPECT_EQ(g.width, 4);
}

TEST(TokenGrid, MissingGridIsTheSquare) {
  const auto g = nn::resolve_token_grid({}, 36, "layer");
  EXPECT_EQ(g.height, 6);
  EXPECT_EQ(g.width, 6);
}

TEST(TokenGrid, MissingGridWithANonSquareCountIsAnError) {
  expect_error([] { nn::resolve_token_grid({}, 12, "layer"); },
               {"layer: the token grid was not given", "L = 12 is not a perfect square", "pass the grid"});
}

TEST(TokenGrid, GridThatDoesNotHoldTheTokensIsAnError) {
  expect_error([] { nn::resolve_token_grid({5, 3}, 12, "layer"); },
               {"layer: token grid", "height × width = L = 12", "5 × 3 = 15"});
}

}  // namespace
}  // namespace mno::testing
