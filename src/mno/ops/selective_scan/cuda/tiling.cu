// Host-side helpers shared by the launchers.
#include <numeric>

#include "mno/ops/selective_scan/cuda/common.cuh"

namespace mno::ops::scan_cuda {

int64_t save_interval(int64_t N) { return detail::stage_steps(N); }

namespace detail {

Tiling make_tiling(const Problem& p, int cpb) {
  int64_t seg = p.E;
  if (p.groups_B > 0) seg = std::gcd(seg, p.C / p.groups_B);
  if (p.groups_C > 0) seg = std::gcd(seg, p.C / p.groups_C);
  Tiling t;
  t.cpb = cpb;
  t.segment = static_cast<int>(seg);
  t.tiles_per_segment = static_cast<int>((seg + cpb - 1) / cpb);
  t.segments = static_cast<int>(p.E / seg);
  return t;
}

dim3 scan_grid(const Problem& p, const Tiling& tiling) {
  return dim3(static_cast<unsigned>(tiling.blocks()), static_cast<unsigned>(p.K), static_cast<unsigned>(p.batch));
}

int elementwise_blocks(int64_t n) { return static_cast<int>(std::min<int64_t>((n + 255) / 256, 8192)); }

int channels_per_block(const Problem& p, int states_per_thread, int target_threads) {
  const int segment = make_tiling(p, 1).segment;
  const int64_t threads_per_channel = (p.N + states_per_thread - 1) / states_per_thread;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(segment, target_threads / threads_per_channel)));
}

}  // namespace detail
}  // namespace mno::ops::scan_cuda
