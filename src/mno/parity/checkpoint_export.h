#pragma once
// Our model's tensors in the MNO authors' names, shapes and order (`mno export`, docs/models.md
// "Export"): the host's name table (authors_names.h) read backwards. Where the table joins several
// of the authors' tensors into one of ours, ours is split again: a row block "name#i/n" goes back
// into chunk i of n of the authors' tensor (chunks of one tensor from several of ours are
// concatenated in chunk order), per-head tensors stacked into ours are unstacked. Derived buffers
// the authors keep and mno computes (authors_derived_buffers) are added with the authors' values.
#include <string>
#include <vector>

#include <torch/torch.h>

#include "mno/parity/authors_names.h"
#include "mno/parity/checkpoint_import.h"

namespace mno::parity {

// Parameters and buffers in the order torch's state_dict() walks a module tree: each module's own
// parameters, then its own buffers, then its children in registration order.
NamedTensors state_dict_order(const torch::nn::Module& model);

// `ours` (our names; state_dict_order) mapped to the authors' names by `table`, with `derived`
// added. The order is the authors' module tree as far as the names tell it: tensors are grouped by
// their name's dotted prefixes, numbered children (ModuleList, Sequential) in numeric order, other
// children in the order our tensors first name them. Errors (mno::Error, starting with `what`): a
// name of ours without a rule, a join the table cannot be read backwards for, an authors' tensor
// given twice or missing some of its chunks, a derived buffer the table does not list as derived.
NamedTensors export_authors_tensors(const NamedTensors& ours, const NameTable& table, const NamedTensors& derived,
                                    const std::string& what);

// export_authors_tensors over the model's parameters and buffers, with the host's derived buffers.
NamedTensors export_authors_state(const torch::nn::Module& model, const ConfigNode& model_node,
                                  const std::string& what, const AuthorsData& data = {});

// The tensors of each file the authors save (authors_checkpoint_parts): part "" takes every name,
// a named part the names under "<part>.", without that prefix. The inverse of
// read_authors_checkpoint's naming.
std::vector<NamedTensors> split_authors_parts(const NamedTensors& all, const std::vector<std::string>& parts,
                                              const std::string& what);

}  // namespace mno::parity
