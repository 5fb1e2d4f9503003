#pragma once
// Reading PyTorch checkpoints written by `torch.save` (the zip format, PyTorch >= 1.6) without
// Python, and copying the MNO authors' tensors into our models by a host's name table
// (parity/authors_names.h; `mno import`, docs/models.md "Parity with the authors' code").
//
// The zip archive is read by LibTorch's PyTorchStreamReader; its data.pkl by a small unpickler of
// our own that knows exactly what torch.save writes for a state dict (a collections.OrderedDict
// with its _metadata, tensors rebuilt from their storages, dicts, lists, tuples, scalars) and
// refuses anything else by name. (torch::pickle_load is made for torch::pickle_save's files; it
// was not tried on the authors' OrderedDict state dicts.)
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "mno/parity/authors_names.h"

namespace mno::parity {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// The state dict inside a torch.save file: the top-level dict when all its values are tensors,
// else the first of the keys `state_dict`, `model_state_dict`, `model`, `net`, `network` (searched
// in that order, recursively) that holds one. Tensors are on the CPU, in the file's order.
// Errors (mno::Error) name the file and what was wrong: not a zip archive, a truncated archive,
// a pickle holding something other than tensors (naming the Python type and the key), no state
// dict under any of those keys (listing the top-level keys).
NamedTensors read_torch_state_dict(const std::string& path);

// The state dicts of every file a host's authors save (authors_checkpoint_parts: "" for one file,
// "encoder"/"decoder" for OFormer), `files[i]` holding part i, as one list named as the host's
// table expects: a part's names prefixed "<part>.".
NamedTensors read_authors_checkpoint(const std::vector<std::string>& parts, const std::vector<std::string>& files);

// Every tensor and string of a torch.save file, dicts flattened with '.' (e.g.
// {"grads": {"a.weight": T}} -> "grads.a.weight"); other scalars are skipped. For test fixtures
// (tests/fixtures/parity).
struct TorchFileEntries {
  NamedTensors tensors;
  std::vector<std::pair<std::string, std::string>> strings;
};
TorchFileEntries read_torch_entries(const std::string& path);

// Maps the authors' tensors onto `ours` (our names and the shapes they must have) by `table`.
// Each authors' tensor must be used exactly once unless `allow_unused`; shapes must agree. One
// error (mno::Error, starting with `what`) for the first of our names without a tensor, the first
// mis-shaped tensor (both shapes) or the first unused authors' name.
NamedTensors map_authors_tensors(const NamedTensors& ours, const NamedTensors& authors, const NameTable& table,
                                 const std::string& what, bool allow_unused = false);

// map_authors_tensors over the model's parameters and buffers, then copies them in (nothing is
// copied unless every check passes).
void load_authors_state(torch::nn::Module& model, const NamedTensors& authors, const NameTable& table,
                        const std::string& what);

}  // namespace mno::parity
