// The diffusion-reaction solver with the reaction off against the exact decay of a cosine mode.
#include <cmath>

#include "data/data_test_support.h"
#include "mno/data/gen/diffusion_reaction.h"

namespace mno::data::gen {
namespace {

// Max error of u at t = 1 for u0 = cos(π(x+1)/2)·cos(π(y+1)), whose no-flux heat equation
// solution decays as exp(−Du π² (1/4 + 1) t).
double heat_mode_error(size_t R) {
  DiffusionReactionParams p;
  p.resolution = R;
  p.reaction = false;
  p.du = 0.05;
  p.dv = 0.05;
  p.final_time = 1.0;
  p.frames = 2;
  const std::vector<double> c = diffusion_reaction_cell_centres(p);
  DiffusionReactionState s{std::vector<double>(R * R), std::vector<double>(R * R)};
  auto mode = [&](size_t y, size_t x) { return std::cos(M_PI * (c[x] + 1) / 2) * std::cos(M_PI * (c[y] + 1)); };
  for (size_t y = 0; y < R; ++y)
    for (size_t x = 0; x < R; ++x) s.u[y * R + x] = s.v[y * R + x] = mode(y, x);
  const FloatArray f = simulate_diffusion_reaction(p, s);
  const double decay = std::exp(-p.du * M_PI * M_PI * 1.25 * p.final_time);
  double worst = 0.0;
  for (size_t y = 0; y < R; ++y)
    for (size_t x = 0; x < R; ++x)
      worst = std::max(worst, std::abs(f.values[(R * R + y * R + x) * 2] - decay * mode(y, x)));
  return worst;
}

TEST(DiffusionReaction, HeatModeDecayConvergesAtSecondOrder) {
  const double e16 = heat_mode_error(16), e32 = heat_mode_error(32), e64 = heat_mode_error(64);
  fmt::print("diffreact heat mode: max error R=16 {:.3e}, R=32 {:.3e}, R=64 {:.3e}; orders {:.2f} {:.2f}\n", e16, e32, e64,
             std::log2(e16 / e32), std::log2(e32 / e64));
  EXPECT_LT(e64, 3e-4);
  EXPECT_NEAR(std::log2(e32 / e64), 2.0, 0.1);
}

TEST(DiffusionReaction, InitialStateIsStandardNormalAndReproducible) {
  DiffusionReactionParams p;
  p.resolution = 64;
  const auto s = diffusion_reaction_initial_state(p, 1, 2);
  double mean = 0, square = 0;
  for (double x : s.u) mean += x, square += x * x;
  mean /= s.u.size();
  square /= s.u.size();
  EXPECT_NEAR(mean, 0.0, 0.05);
  EXPECT_NEAR(square, 1.0, 0.06);
  EXPECT_EQ(s.v, diffusion_reaction_initial_state(p, 1, 2).v);
  EXPECT_NE(s.u, s.v);
}

TEST(DiffusionReaction, ReactingSystemStaysBoundedFromWhiteNoise) {
  DiffusionReactionParams p;
  p.resolution = 16;
  p.frames = 3;
  p.final_time = 1.0;
  const FloatArray f = simulate_diffusion_reaction(p, diffusion_reaction_initial_state(p, 0, 0));
  for (float v : f.values) {
    ASSERT_TRUE(std::isfinite(v));
    ASSERT_LT(std::abs(v), 10.0f);
  }
}

}  // namespace
}  // namespace mno::data::gen
