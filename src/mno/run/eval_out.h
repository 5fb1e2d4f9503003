#pragma once
// `mno eval RUN --out DIR`: the report of RUN written into DIR instead of into RUN. DIR follows
// the output policy (core/output_policy.h): a file there is refused, and so is a DIR that already
// holds a report (metrics.json, along_time.csv, report.md, plots/) or is another run, unless
// --overwrite. Another run is written only under its lock, so a run in use by another process
// (training, evaluating) is refused whatever the flags.
#include <optional>
#include <string>

#include "mno/run/run_lock.h"

namespace mno::run {

struct EvalOut {
  std::string dir;              // where the report goes: "" = into the run itself
  std::optional<RunLock> lock;  // held while the report is written, when `dir` is a run
};

// Checks `out` for the report of `run_dir` before any work. An `out` that is the run itself is
// the run's own report (dir ""), as without --out.
EvalOut claim_eval_out(const std::string& run_dir, const std::string& out, bool overwrite);

}  // namespace mno::run
