// Host-side helpers shared by the launchers.
#include <numeric>

#include "mno/ops/selective_scan/cuda/common.cuh"

namespace mno::ops::scan_cuda {

int64_t save_interval(int64_t N) { return N <= 16 ? 64 : 16; }

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

int64_t group_of(const Problem& p, int64_t groups, int64_t c) { return groups > 0 ? c / (p.C / groups) : 0; }

}  // namespace detail
}  // namespace mno::ops::scan_cuda
