#pragma once
// `mno export`: an mno run's weights as the MNO authors' PyTorch checkpoint, the inverse of
// `mno import` (docs/models.md, "Export"). The run's checkpoint is loaded into the run's model,
// its tensors renamed, split and ordered as the authors' state dict (parity/checkpoint_export.h)
// and written as torch.save writes it (parity/torch_save_writer.h) or as safetensors; the
// authors' `model.load_state_dict(torch.load(FILE))` accepts it, strict.
#include <string>
#include <vector>

namespace mno::workflows {

struct ExportRequest {
  std::string run_dir;
  std::string out;         // the file (GT, GNOT) or the prefix of the two files (OFormer)
  std::string checkpoint;  // last | best | "" (the run's train.report_checkpoint)
  std::string format = "torch";  // torch | safetensors
  bool overwrite = false;
};

struct ExportResult {
  std::vector<std::string> files;  // written, one per part the authors save
  size_t tensors = 0;
  std::string checkpoint;  // the one exported
};

// The files `out` names for a host whose authors save `parts` (authors_checkpoint_parts): `out`
// itself for one part; for OFormer's {"encoder", "decoder"} `<base>.encoder<ext>` and
// `<base>.decoder<ext>`, where `out` ending in .pt, .pth or .safetensors is <base><ext>, and any
// other `out` is the base, ext the format's (.pt or .safetensors).
std::vector<std::string> export_file_names(const std::string& out, const std::vector<std::string>& parts,
                                           const std::string& format);

// Errors (mno::Error), each before anything is written: no run or no such checkpoint there, a
// model the authors have no counterpart of (fno, s4d mixers: the reason), an existing file
// without `overwrite`, an unknown format. Files are written atomically.
ExportResult export_authors_run(const ExportRequest& request);

}  // namespace mno::workflows
