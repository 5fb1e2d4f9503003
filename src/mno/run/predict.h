#pragma once
// `mno predict`: a run's predictions for every sample of a PDEBench file, written in that file's
// layout at the model's resolution (time-dependent: the given frames copied, the rest predicted).
#include <string>

namespace mno::run {

// checkpoint "": the run's train.report_checkpoint. `out` is written atomically; an existing one
// is refused unless `overwrite`.
void predict_file(const std::string& run_dir, const std::string& input, const std::string& out,
                  const std::string& checkpoint = "", bool progress = true, bool overwrite = false);

}  // namespace mno::run
