#pragma once
// Train/test splits of a PDEBench file (docs/training.md, `data:` key `split`).
//  - pdebench: test = the first 10% of a Darcy file, the last 10% of the groups of a
//    time-dependent file; train = the rest.
//  - authors (MNO): Darcy train [1000, 10000), test [0, 1000) (OFormer's indices; 9000/1000 for
//    every host); SW2D/DR2D train 900, test 100 — we take the last 100 groups as test, PDEBench's
//    convention, because the authors' pre-converted folders do not record membership.
#include <cstddef>
#include <string>

#include "mno/data/pdebench_layout.h"

namespace mno::data {

struct SampleRange {
  size_t begin = 0, end = 0;
  size_t size() const { return end - begin; }
};

struct Split {
  SampleRange train, test;
};

enum class SplitRule { pdebench, authors };
SplitRule parse_split_rule(const std::string& name);  // "pdebench" or "authors"

// Throws naming the file when the rule does not fit its sample count.
Split make_split(const PdebenchInfo& info, SplitRule rule);

}  // namespace mno::data
