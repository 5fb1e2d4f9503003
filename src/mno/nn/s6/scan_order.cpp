#include "mno/nn/s6/scan_order.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include <ATen/Parallel.h>

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"

namespace mno::nn {

ScanOrder parse_scan_order(const std::string& name, const std::string& where) {
  if (name == "index") return ScanOrder::index;
  if (name == "raster") return ScanOrder::raster;
  if (name == "hilbert") return ScanOrder::hilbert;
  if (name == "morton") return ScanOrder::morton;
  throw mismatch_error(where, "index, raster, hilbert or morton", "'" + name + "'");
}

std::string scan_order_name(ScanOrder order) {
  switch (order) {
    case ScanOrder::index: return "index";
    case ScanOrder::raster: return "raster";
    case ScanOrder::hilbert: return "hilbert";
    case ScanOrder::morton: return "morton";
  }
  return "?";
}

// The classic cell-to-distance walk: at each scale s, the quadrant (rx, ry) adds its offset and
// the remaining coordinates are rotated into that quadrant's frame.
uint64_t hilbert_key(uint32_t i, uint32_t j, int bits) {
  const uint64_t n = uint64_t{1} << bits;
  uint64_t x = i, y = j, d = 0;
  for (uint64_t s = n / 2; s > 0; s /= 2) {
    const uint64_t rx = (x & s) ? 1 : 0, ry = (y & s) ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry == 0) {
      if (rx == 1) {
        x = n - 1 - x;
        y = n - 1 - y;
      }
      std::swap(x, y);
    }
  }
  return d;
}

uint64_t morton_key(uint32_t i, uint32_t j, int bits) {
  uint64_t d = 0;
  for (int b = 0; b < bits; ++b) {
    d |= uint64_t((i >> b) & 1u) << (2 * b + 1);
    d |= uint64_t((j >> b) & 1u) << (2 * b);
  }
  return d;
}

uint64_t raster_key(uint32_t i, uint32_t j, int bits) { return (uint64_t{i} << bits) | j; }

namespace {

// pos [B, L, 2] as a contiguous float64 CPU tensor, checked: finite, inside the unit box, shaped.
// The copy is small (B·L·2 numbers) and is the one synchronisation a new set of positions costs.
torch::Tensor host_positions(const torch::Tensor& pos, const std::string& who) {
  if (!pos.defined())
    throw Error(who + ": the scan order needs the tokens' positions [batch, L, 2]; none were given");
  if (pos.dim() != 3 || pos.size(2) != 2 || !pos.is_floating_point())
    throw mismatch_error(who + ": positions", "a floating tensor [batch, L, 2]", compat::shape_str(pos));
  if (pos.size(1) == 0) throw mismatch_error(who + ": positions", "at least one point (L >= 1)", compat::shape_str(pos));
  auto p = pos.detach().to(torch::kCPU, torch::kDouble).contiguous();
  const double* v = p.data_ptr<double>();
  double lo = v[0], hi = v[0];
  for (int64_t i = 0; i < p.numel(); ++i) {
    if (!std::isfinite(v[i])) throw Error(who + ": positions hold NaN or infinite values");
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
  }
  if (lo < 0.0 || hi > 1.0)
    throw mismatch_error(who + ": positions", "coordinates in the unit box [0, 1]² (scale the mesh into it)",
                         fmt::format("values in [{}, {}]", lo, hi));
  return p;
}

// The key of every point on the host, int64 [B, L] on the CPU: the per-cell walks above, one point
// at a time. The walks are a few dozen integer operations a point; as tensor ops they were ~200
// kernel launches a call, which cost more than the scan they ordered.
torch::Tensor host_keys(const torch::Tensor& pos, ScanOrder order, int bits) {
  check(bits >= 1 && bits <= 20, "scan_order_keys: expected 1..20 bits per coordinate, found {}", bits);
  const auto p = host_positions(pos, "scan order " + scan_order_name(order));
  const int64_t B = p.size(0), L = p.size(1);
  auto keys = torch::empty({B, L}, torch::kLong);
  const double* v = p.data_ptr<double>();
  int64_t* k = keys.data_ptr<int64_t>();
  const double n = double(int64_t{1} << bits);
  const auto cell = [n](double x) { return static_cast<uint32_t>(std::clamp(std::floor(x * n), 0.0, n - 1)); };
  at::parallel_for(0, B * L, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const uint32_t i = cell(v[2 * t]), j = cell(v[2 * t + 1]);
      switch (order) {
        case ScanOrder::index: k[t] = t % L; break;
        case ScanOrder::raster: k[t] = static_cast<int64_t>(raster_key(i, j, bits)); break;
        case ScanOrder::hilbert: k[t] = static_cast<int64_t>(hilbert_key(i, j, bits)); break;
        case ScanOrder::morton: k[t] = static_cast<int64_t>(morton_key(i, j, bits)); break;
      }
    }
  });
  return keys;
}

}  // namespace

torch::Tensor scan_order_keys(const torch::Tensor& pos, ScanOrder order, int bits) {
  return host_keys(pos, order, bits).to(pos.device());
}

torch::Tensor scan_permutation(const torch::Tensor& pos, ScanOrder order, int bits) {
  if (order == ScanOrder::index) return {};
  const auto keys = host_keys(pos, order, bits);
  const int64_t L = keys.size(1);
  // Keys are below 2^(2·bits) ≤ 2^40; key·L + index is unique and sorts ties by index.
  const auto unique = keys * L + torch::arange(L, keys.options()).unsqueeze(0);
  return std::get<1>(unique.sort(1)).to(pos.device());
}

TokenOrder::TokenOrder(torch::Tensor perm) : perm_(std::move(perm)) {
  check(perm_.defined() && perm_.dim() == 2, "TokenOrder: expected a permutation [batch, L]");
  inverse_ = torch::empty_like(perm_);
  inverse_.scatter_(1, perm_, torch::arange(perm_.size(1), perm_.options()).unsqueeze(0).expand_as(perm_).contiguous());
}

namespace {

torch::Tensor gather_rows(const torch::Tensor& x, const torch::Tensor& index) {
  check(x.dim() == 3 && x.size(1) == index.size(1) && (x.size(0) == index.size(0) || index.size(0) == 1),
        "TokenOrder: expected tokens [batch, {}, D] for a permutation {}, found {}", index.size(1),
        compat::shape_str(index), compat::shape_str(x));
  const auto i = index.expand({x.size(0), index.size(1)}).unsqueeze(-1).expand({x.size(0), x.size(1), x.size(2)});
  return torch::gather(x, 1, i);
}

}  // namespace

torch::Tensor TokenOrder::apply(const torch::Tensor& x) const { return identity() ? x : gather_rows(x, perm_); }
torch::Tensor TokenOrder::undo(const torch::Tensor& y) const { return identity() ? y : gather_rows(y, inverse_); }

namespace {

// One remembered permutation: the positions tensor it was computed from, held weakly (so that a
// freed tensor whose memory is reused by the next batch's positions is never mistaken for it, and
// no device memory is kept alive), with the version and geometry it had.
struct RememberedOrder {
  c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl> pos;
  int64_t version = -1;
  std::vector<int64_t> sizes, strides;
  ScanOrder order = ScanOrder::index;
  bool transposed = false;
  TokenOrder tokens;

  bool matches(const torch::Tensor& p, ScanOrder o, bool t) const {
    const auto held = pos.lock();
    return held && held.get() == p.unsafeGetTensorImpl() && o == order && t == transposed &&
           static_cast<int64_t>(p._version()) == version && p.sizes().vec() == sizes && p.strides().vec() == strides;
  }
};

}  // namespace

TokenOrder token_order(const torch::Tensor& pos, ScanOrder order, const std::string& who, bool transposed) {
  if (order == ScanOrder::index) return {};
  if (!pos.defined()) throw Error(who + ": order '" + scan_order_name(order) + "' sorts the tokens by their positions, "
                                  "but none were given (pass pos [batch, L, 2])");
  // Every layer of a model is handed the same positions tensor in one forward: the first sorts,
  // the rest reuse. A few entries cover models whose layers use different orders.
  thread_local std::vector<RememberedOrder> recent;
  for (const auto& r : recent)
    if (r.matches(pos, order, transposed)) return r.tokens;
  // The transposed curve is the curve over the positions with their two coordinates swapped.
  RememberedOrder r{c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>(pos.getIntrusivePtr()),
                    static_cast<int64_t>(pos._version()), pos.sizes().vec(), pos.strides().vec(), order, transposed,
                    TokenOrder(scan_permutation(transposed ? pos.flip(-1) : pos, order))};
  if (recent.size() >= 8) recent.erase(recent.begin());
  recent.push_back(std::move(r));
  return recent.back().tokens;
}

}  // namespace mno::nn
