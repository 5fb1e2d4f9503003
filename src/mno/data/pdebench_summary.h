#pragma once
// `mno data info FILE`: what a PDEBench file holds — PDE, layout, sizes, grid and time ranges,
// and per-field value ranges (streamed one sample at a time, so it works on the 6.6 GB files).
#include <string>
#include <vector>

#include "mno/data/pdebench_layout.h"

namespace mno::data {

struct FieldRange {
  std::string name;
  double min = 0, max = 0, mean = 0;
};

struct PdebenchSummary {
  PdebenchInfo info;
  float x_first = 0, x_last = 0, y_first = 0, y_last = 0, t_first = 0, t_last = 0;
  size_t samples_scanned = 0;
  std::vector<FieldRange> fields;
};

// max_samples = 0 scans every sample.
PdebenchSummary summarise_pdebench(const std::string& path, size_t max_samples = 0);
std::string format_summary(const PdebenchSummary& summary);

}  // namespace mno::data
