#pragma once
// `mno import`: the MNO authors' PyTorch checkpoints as mno runs (docs/models.md, "Parity with the
// authors' code"). The checkpoint is read and mapped onto the config's model first — every tensor
// used once, every shape checked — and only then is the run directory made, exactly as
// `mno train` makes one (resolved config.yaml, normalisers fitted on the config's training split,
// log.csv), with checkpoints/last.pt at step 0 holding the authors' weights. `mno eval`,
// `mno predict` and `mno train --resume` (fine-tuning from those weights) accept it.
#include <string>
#include <vector>

namespace mno::workflows {

struct ImportRequest {
  std::string config_path;             // configs/<dataset>/<host>_<mixer>.yaml
  std::vector<std::string> overrides;  // key=value, as for mno train
  std::string checkpoint;              // GT, GNOT: one torch.save file
  std::string encoder, decoder;        // OFormer: the two halves the authors save
  std::string out;                     // the new run directory
  bool overwrite = false;
};

// Returns the run directory. Errors (mno::Error) name the file and the first missing,
// unexpected or mis-shaped tensor; nothing is written then.
std::string import_authors_run(const ImportRequest& request);

}  // namespace mno::workflows
