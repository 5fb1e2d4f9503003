#pragma once
// `mno data plot FILE --sample I [--frame T]`: heatmaps of one sample of a PDEBench file —
// Darcy: a and u; shallow water: h at frame T; diffusion-reaction: u and v at frame T.
#include <string>

namespace mno::eval {

// frame < 0 means the last frame. Returns the PNG path written.
std::string plot_pdebench_sample(const std::string& file, size_t sample, long frame, const std::string& out_png);

}  // namespace mno::eval
