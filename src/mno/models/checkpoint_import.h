#pragma once
// Reading PyTorch checkpoints written by `torch.save` (the zip format, PyTorch >= 1.6) without
// Python, and copying the MNO authors' tensors into our models by a host's name table
// (models/authors_names.h; `mno import`, docs/models.md "Parity with the authors' code").
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

#include "mno/models/authors_names.h"

namespace mno::models {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// The state dict inside a torch.save file: the top-level dict when all its values are tensors,
// else the first of the keys `state_dict`, `model_state_dict`, `model`, `net`, `network` (searched
// in that order, recursively) that holds one. Tensors are on the CPU, in the file's order.
// Errors (mno::Error) name the file and what was wrong: not a zip archive, a truncated archive,
// a pickle holding something other than tensors (naming the Python type and the key), no state
// dict under any of those keys (listing the top-level keys).
NamedTensors read_torch_state_dict(const std::string& path);

// Every dict entry of a torch.save file whose value is a tensor or a dict of tensors, flattened
// with '.' (e.g. {"grads": {"a.weight": T}} -> "grads.a.weight"); other scalars are skipped,
// strings are returned by read_torch_strings. For test fixtures (tests/fixtures/parity).
NamedTensors read_torch_tensors(const std::string& path);
std::vector<std::pair<std::string, std::string>> read_torch_strings(const std::string& path);

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

}  // namespace mno::models
