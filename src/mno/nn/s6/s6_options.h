#pragma once
// The options every S6 layer shares (SS2D, Cross SS2D, the Mamba block): model width, state size,
// expansion, Δ rank and Δ initialisation, read from the same config keys by one function.
#include <cstdint>

#include "mno/core/config.h"
#include "mno/nn/s6/s6_init.h"
#include "mno/nn/s6/scan_order.h"

namespace mno::nn {

struct S6MixerOptions {
  int64_t d_model = 0;
  int64_t d_state = 16;   // N
  double expand = 2.0;    // E = expand · d_model
  int64_t dt_rank = 0;    // R; 0 = auto = ceil(d_model / 16)
  int64_t directions = 2; // K: 2 or 4 for SS2D (the Mamba block scans one direction)
  DtInit dt;
  ScanOrder order = ScanOrder::index;  // the order tokens are scanned in (scan_order.h)

  // Keys: d_state, expand, dt_rank (integer or "auto"), dt_min, dt_max, dt_init_floor, order.
  static S6MixerOptions from_config(const ConfigNode& node, int64_t d_model, int64_t directions);
  int64_t d_inner() const;
  int64_t rank() const { return dt_rank > 0 ? dt_rank : auto_dt_rank(d_model); }
  // ", order hilbert" when the order is not index (", order hilbert and its transpose" for K = 4),
  // for describe().
  std::string order_suffix() const;
};

}  // namespace mno::nn
