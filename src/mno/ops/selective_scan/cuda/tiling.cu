// Host-side helpers shared by the launchers.
#include <numeric>

#include "mno/ops/selective_scan/cuda/common.cuh"

namespace mno::ops::scan_cuda {

int64_t save_interval(int64_t) { return detail::kChunk; }

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

int warps_per_block(const Problem& p) {
  int sms = 132, dev = 0;
  if (cudaGetDevice(&dev) == cudaSuccess) cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev);
  int w = kMaxWarps;
  while (w > 4 && p.batch * make_tiling(p, w).blocks() < 2 * sms) w /= 2;
  return w;
}

}  // namespace detail
}  // namespace mno::ops::scan_cuda
