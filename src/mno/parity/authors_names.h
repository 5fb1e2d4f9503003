#pragma once
// How the MNO authors' PyTorch models name their parameters and buffers, host by host: the
// tables `mno import` uses to read their checkpoints into ours (docs/models.md, "Parity with the
// authors' code"). One table per host, in parity/names/ (gt.cpp, gnot.cpp, oformer.cpp); fno
// has none (the authors ship no FNO).
//
// A rule maps each of our names matching `ours` (an ECMAScript regex over the whole name) to the
// authors' name `authors` ($1, $2 ... are our name's groups). Rules are tried in order; the first
// match wins. Several authors' names joined by '|' make our one tensor: stacked along a new dim 0
// when each is one rank below ours (their per-head LayerNorms -> our [heads, d] weights), else
// concatenated along dim 0 (their separate projections -> our fused one). A name may take a block
// of rows, "name#i/n" (the i-th of n equal chunks along dim 0, as torch.chunk) or "name#i-j/n"
// (chunks i..j): our separate projections from their fused one. A rule with an empty `ours` names
// (as a regex) authors' tensors that mno derives from the config instead of storing, e.g. the
// rotary inv_freq buffers: they are not imported, and `mno export` writes them with the values the
// authors' code computes (authors_derived_buffers). Every tensor of the checkpoint must be
// used exactly once, and shapes must agree exactly. A checkpoint in several files (OFormer's encoder and decoder) is read as one dict
// whose names carry the file's role as a prefix ("encoder.", "decoder.").
#include <functional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "mno/core/config.h"

namespace mno::parity {

// The authors' order of one dimension of one of our tensors, where their data pipeline feeds a layer
// its inputs in another order than mno's: element c is the authors' index that our index c holds
// (import takes theirs[..., order[c], ...], export writes it back). Given our size along that
// dimension; must return a permutation of 0..size-1. Empty: the same order.
using ColumnOrder = std::function<std::vector<int64_t>(int64_t size)>;

struct NameRule {
  std::string ours;
  std::string authors;
  ColumnOrder columns = {};  // dim 1 of a 2-D weight (a layer's inputs)
  ColumnOrder rows = {};     // dim 0 (a layer's outputs, or a [2, F] projection's coordinates)
};
using NameTable = std::vector<NameRule>;

// What a table needs to know of the data besides the model: how many physical fields mno's
// channels interleave step-major ((u0, v0, u1, v1, …): 2 for diffusion-reaction; 1 for Darcy and
// shallow water). GNOT's authors' loader orders its branch input field-major instead.
struct AuthorsData {
  int64_t fields = 1;
};
// From the model's input channels (model.in_channels) and the data's input frames (data.input_frames,
// its default included): in_channels / input_frames when that is a whole number, else 1 (Darcy: one
// input channel, input_frames unused).
AuthorsData authors_data(const ConfigNode& model_node, int64_t input_frames);

// The table for the model a `model:` config node builds; an error naming the host when the
// authors have no such model.
NameTable authors_name_table(const ConfigNode& model_node, const AuthorsData& data = {});

// The checkpoint files a host's authors save: {""} for one file, {"encoder", "decoder"} for OFormer.
std::vector<std::string> authors_checkpoint_parts(const ConfigNode& model_node);

// One authors' name of a rule after substitution, with its optional block of rows: "name#i/n" is
// the i-th of n equal chunks along dim 0 (torch.chunk), "name#i-j/n" chunks i..j; chunks 0 means
// the whole tensor. An error starting with `what` for a malformed block.
struct NamePiece {
  std::string name;
  int64_t first = 0, last = 0, chunks = 0;
};
NamePiece parse_name_piece(const std::string& text, const std::string& what);
// The pieces of a substituted rule, split at '|'.
std::vector<NamePiece> parse_joined_names(const std::string& joined, const std::string& what);

// Positions. mno feeds point (i, j) the position (x_i, y_j) (data/task.h: grid_positions); GT's
// and GNOT's loaders feed (y_j, x_i) (their meshgrids stack the second axis first). A weight that
// reads the two position features therefore holds them swapped: these orders swap them back.
// Columns first and first+1 (first < 0 counts from the end: -2 = the last two).
ColumnOrder swap_position_columns(int64_t first);
// The first two columns of each of `heads` equal blocks (positions concatenated in front of every
// attention head: the output projection's input).
ColumnOrder swap_position_columns_per_head(int64_t heads);
// A 2-D rotary embedding rotates the first half of every head's q and k channels by the first
// coordinate and the second half by the second: with the coordinates swapped, the halves swap.
// Rows [0, heads·head_dim) of a projection whose first block is q or k (the rest, e.g. v, stays);
// `blocks` = how many equal row blocks the projection has (to_kv: 2, K first).
ColumnOrder swap_rotary_halves(int64_t heads, int64_t blocks = 1);
// [pos(2), features]: the two position columns swapped, and the features, interleaved step-major
// in mno ((u0, v0, u1, v1, …), `fields` per step), read from the authors' field-major order
// (u0, u1, …, v0, v1, …).
ColumnOrder swap_positions_and_deinterleave_fields(int64_t fields);

// A name table with its rules compiled once, for import and export alike.
class CompiledNameTable {
 public:
  explicit CompiledNameTable(const NameTable& table);
  // The authors' name(s) of our tensor `name` (shape of `ours`, for the error) by the first rule
  // that matches, '|'-joined as parse_joined_names reads them; an error starting with `what` when no
  // rule does.
  std::string authors_names(const std::string& name, const torch::Tensor& ours, const std::string& what) const;
  // The same, with the rule's column order for `ours` (empty when the rule has none); an error
  // (a bug in the table) when the order is not a permutation of ours's columns.
  struct Match {
    std::string authors;
    std::vector<int64_t> columns, rows;
  };
  Match match(const std::string& name, const torch::Tensor& ours, const std::string& what) const;
  // Whether `authors_name` is one the table lists as derived by mno (a rule with an empty `ours`).
  bool is_derived(const std::string& authors_name) const;

 private:
  NameTable table_;
  std::vector<std::regex> patterns_, derived_;
};

// The derived buffers the authors' model holds for this config (names as the table expects them,
// e.g. "encoder.s_transformer.layers.0.1.emb_module.inv_freq"), with the values their code
// computes; each matches one of the table's rules with an empty `ours`. Empty for gt and gnot.
// `dtype`: the model's floating type; the buffers are computed in it (as a float64 program would).
std::vector<std::pair<std::string, torch::Tensor>> authors_derived_buffers(const ConfigNode& model_node,
                                                                           torch::Dtype dtype = torch::kFloat);

// The per-host tables (parity/names/<host>.cpp).
NameTable gt_authors_names(const ConfigNode& model_node);
NameTable gnot_authors_names(const ConfigNode& model_node, const AuthorsData& data);
NameTable oformer_authors_names(const ConfigNode& model_node);
std::vector<std::pair<std::string, torch::Tensor>> oformer_authors_derived(const ConfigNode& model_node, torch::Dtype dtype);

}  // namespace mno::parity
