#pragma once
// `mno data plot FILE --sample I [--frame T]`: heatmaps of one sample of a PDEBench file —
// Darcy: a and u; shallow water: h at frame T; diffusion-reaction: u and v at frame T.
#include <string>

#include "mno/data/pdebench_reader.h"
#include "mno/eval/heatmap.h"

namespace mno::eval {

// The frame of a PDEBench file's fields at `stride`: the domain from its coordinate arrays, x across
// and y up. `mno data plot` and every heatmap of a run's fields draw with it.
FieldFrame field_frame(const data::PdebenchReader& reader, size_t stride = 1);

// frame < 0 means the last frame. Returns the PNG path written.
std::string plot_pdebench_sample(const std::string& file, size_t sample, long frame, const std::string& out_png);

}  // namespace mno::eval
