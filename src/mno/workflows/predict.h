#pragma once
// `mno predict`: a run's predictions for every sample of a PDEBench file (any number of samples,
// one included), written in that file's layout at the model's resolution (time-dependent: the
// given frames copied, the rest predicted). Only the inputs are read: a Darcy file without its
// solutions 'tensor', or a time-dependent file holding only the given frames, is enough, and
// whatever the targets hold (NaN included) plays no part.
#include <string>

namespace mno::workflows {

// checkpoint "": the run's train.report_checkpoint. `out` is written atomically; an existing one
// is refused unless `overwrite`.
void predict_file(const std::string& run_dir, const std::string& input, const std::string& out,
                  const std::string& checkpoint = "", bool progress = true, bool overwrite = false);

}  // namespace mno::workflows
