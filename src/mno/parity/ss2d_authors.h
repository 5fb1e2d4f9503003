#pragma once
// The authors' SS2D / Cross SS2D forward (docs/layers.md), step by step as their
// PyTorch code runs it: explicit flipped/transposed copies of the scan input stacked per
// direction, einsum projections, one scan with directions = 1 on all K·E channels, each
// direction's output un-permuted and summed, LayerNorm, gate, out_proj. The same parameters as
// our fused layer. Used as the oracle of the layer tests (with the reference scan) and as the
// baseline of `mno bench layer` (with our fast scan), so both compare against one composition.
#include <torch/torch.h>

#include "mno/nn/s6/selective_scan_2d.h"
#include "mno/ops/selective_scan/selective_scan.h"

namespace mno::parity {

using ScanFunction = ops::ScanResult (*)(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                                         const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                                         const torch::Tensor&, const torch::Tensor&, const ops::ScanOptions&);

// x [B, L, D] on an H×W grid (L = H·W); ref (Cross SS2D's context) and ref_proj_weight may be
// undefined for SS2D. `scan` is ops::selective_scan_reference or ops::selective_scan.
torch::Tensor authors_ss2d_forward(nn::SelectiveScan2dBase& m, const torch::Tensor& x, const torch::Tensor& ref, int64_t H,
                                   int64_t W, const torch::Tensor& ref_proj_weight, ScanFunction scan);

}  // namespace mno::parity
