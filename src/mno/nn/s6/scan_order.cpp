#include "mno/nn/s6/scan_order.h"

#include <utility>

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

void check_positions(const torch::Tensor& pos, const std::string& who) {
  if (!pos.defined())
    throw Error(who + ": the scan order needs the tokens' positions [batch, L, 2]; none were given");
  if (pos.dim() != 3 || pos.size(2) != 2 || !pos.is_floating_point())
    throw mismatch_error(who + ": positions", "a floating tensor [batch, L, 2]", compat::shape_str(pos));
  if (pos.size(1) == 0) throw mismatch_error(who + ": positions", "at least one point (L >= 1)", compat::shape_str(pos));
  const auto p = pos.detach();
  if (!torch::isfinite(p).all().item<bool>()) throw Error(who + ": positions hold NaN or infinite values");
  const double lo = p.min().item<double>(), hi = p.max().item<double>();
  if (lo < 0.0 || hi > 1.0)
    throw mismatch_error(who + ": positions", "coordinates in the unit box [0, 1]² (scale the mesh into it)",
                         fmt::format("values in [{}, {}]", lo, hi));
}

// Each coordinate as a cell index in [0, 2^bits), int64.
std::pair<torch::Tensor, torch::Tensor> cells(const torch::Tensor& pos, int bits) {
  const double n = double(int64_t{1} << bits);
  const auto q = (pos.detach().to(torch::kDouble) * n).floor().clamp(0, n - 1).to(torch::kLong);
  return {q.select(-1, 0), q.select(-1, 1)};
}

// hilbert_key on whole tensors: the same steps, each a where over every point.
torch::Tensor hilbert_keys(torch::Tensor x, torch::Tensor y, int bits) {
  const int64_t n = int64_t{1} << bits;
  auto d = torch::zeros_like(x);
  for (int64_t s = n / 2; s > 0; s /= 2) {
    const auto rx = (x.bitwise_and(s) > 0).to(torch::kLong), ry = (y.bitwise_and(s) > 0).to(torch::kLong);
    d = d + s * s * (3 * rx).bitwise_xor(ry);
    const auto flip = (ry == 0).logical_and(rx == 1);
    const auto fx = torch::where(flip, (n - 1) - x, x), fy = torch::where(flip, (n - 1) - y, y);
    const auto swap = ry == 0;
    x = torch::where(swap, fy, fx);
    y = torch::where(swap, fx, fy);
  }
  return d;
}

torch::Tensor morton_keys(const torch::Tensor& x, const torch::Tensor& y, int bits) {
  auto d = torch::zeros_like(x);
  for (int b = 0; b < bits; ++b) {
    d = d.bitwise_or(x.bitwise_right_shift(b).bitwise_and(1).bitwise_left_shift(2 * b + 1));
    d = d.bitwise_or(y.bitwise_right_shift(b).bitwise_and(1).bitwise_left_shift(2 * b));
  }
  return d;
}

}  // namespace

torch::Tensor scan_order_keys(const torch::Tensor& pos, ScanOrder order, int bits) {
  check(bits >= 1 && bits <= 20, "scan_order_keys: expected 1..20 bits per coordinate, found {}", bits);
  check_positions(pos, "scan order " + scan_order_name(order));
  const auto [x, y] = cells(pos, bits);
  switch (order) {
    case ScanOrder::index: return torch::arange(pos.size(1), x.options()).expand_as(x).contiguous();
    case ScanOrder::raster: return x.bitwise_left_shift(bits).bitwise_or(y);
    case ScanOrder::hilbert: return hilbert_keys(x, y, bits);
    case ScanOrder::morton: return morton_keys(x, y, bits);
  }
  return {};
}

torch::Tensor scan_permutation(const torch::Tensor& pos, ScanOrder order, int bits) {
  if (order == ScanOrder::index) return {};
  const auto keys = scan_order_keys(pos, order, bits);
  const int64_t L = keys.size(1);
  // Keys are below 2^(2·bits) ≤ 2^40; key·L + index is unique and sorts ties by index.
  const auto unique = keys * L + torch::arange(L, keys.options()).unsqueeze(0);
  return std::get<1>(unique.sort(1));
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

TokenOrder TokenOrderCache::get(const torch::Tensor& pos, ScanOrder order, const std::string& who) {
  if (order == ScanOrder::index) return {};
  if (!pos.defined()) throw Error(who + ": order '" + scan_order_name(order) + "' sorts the tokens by their positions, "
                                  "but none were given (pass pos [batch, L, 2])");
  const bool same = pos_.defined() && pos.data_ptr() == pos_.data_ptr() && pos.sizes() == pos_.sizes() &&
                    pos.strides() == pos_.strides() && pos.device() == pos_.device() && pos._version() == version_;
  if (!same) {
    order_ = TokenOrder(scan_permutation(pos, order));
    pos_ = pos;
    version_ = static_cast<int64_t>(pos._version());
  }
  return order_;
}

}  // namespace mno::nn
