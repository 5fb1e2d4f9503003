#include "mno/parity/authors_names.h"

#include <algorithm>
#include <numeric>
#include <regex>

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"

namespace mno::parity {

AuthorsData authors_data(const ConfigNode& model_node, int64_t input_frames) {
  // A run's config holds input_frames whatever the PDE (a default); Darcy's one input channel is
  // not a number of frames, and counts as one field.
  const auto in_channels = model_node.get<int64_t>("in_channels", 1);
  AuthorsData d;
  if (input_frames > 0 && in_channels >= input_frames && in_channels % input_frames == 0)
    d.fields = in_channels / input_frames;
  return d;
}

NameTable authors_name_table(const ConfigNode& model_node, const AuthorsData& data) {
  const auto name = model_node.get<std::string>("name", "");
  // Settings the authors' code has no counterpart of: its weights, written in their names, would
  // run there as another model, so they are refused rather than exported.
  // (Read only where written: a default read here would add the key to mixers that have none.)
  if (model_node.has("mixer") && model_node.child("mixer").has("order")) {
    const auto order = model_node.child("mixer").require<std::string>("order");
    if (order != "index")
      throw Error(fmt::format("model.mixer.order '{}': the MNO authors scan the tokens in the order given (index, "
                              "the grid's raster); a model that scans along a curve would run as another model in "
                              "their code (expected index; docs/irregular.md)",
                              order));
  }
  if (name == "gt" && model_node.get<std::string>("regressor", "spectral") != "spectral")
    throw Error(fmt::format("model.regressor '{}': the MNO authors' Galerkin Transformer has only the spectral "
                            "regressor (expected spectral)",
                            model_node.get<std::string>("regressor", "")));
  if (name == "gt") return gt_authors_names(model_node);
  if (name == "gnot") return gnot_authors_names(model_node, data);
  if (name == "oformer") return oformer_authors_names(model_node);
  throw Error(fmt::format("model.name '{}': the MNO authors publish no '{}' model to import or export (expected "
                          "gt, gnot or oformer)",
                          name, name));
}

std::vector<std::string> authors_checkpoint_parts(const ConfigNode& model_node) {
  if (model_node.get<std::string>("name", "") == "oformer") return {"encoder", "decoder"};
  return {""};
}

std::vector<std::pair<std::string, torch::Tensor>> authors_derived_buffers(const ConfigNode& model_node, torch::Dtype dtype) {
  if (model_node.get<std::string>("name", "") == "oformer") return oformer_authors_derived(model_node, dtype);
  return {};
}

NamePiece parse_name_piece(const std::string& text, const std::string& what) {
  NamePiece p;
  const auto hash = text.find('#');
  p.name = text.substr(0, hash);
  if (hash == std::string::npos) return p;
  std::smatch m;
  const std::string spec = text.substr(hash + 1);
  static const std::regex chunk(R"((\d+)(?:-(\d+))?/(\d+))");
  if (!std::regex_match(spec, m, chunk))
    throw Error(fmt::format("{}: bad chunk '{}' in mno's name table (expected i/n or i-j/n)", what, text));
  p.first = std::stoll(m[1]);
  p.last = m[2].matched ? std::stoll(m[2]) : p.first;
  p.chunks = std::stoll(m[3]);
  if (p.first > p.last || p.last >= p.chunks)
    throw Error(fmt::format("{}: bad chunk '{}' in mno's name table", what, text));
  return p;
}

std::vector<NamePiece> parse_joined_names(const std::string& joined, const std::string& what) {
  std::vector<NamePiece> pieces;
  size_t start = 0;
  for (;;) {
    const auto bar = joined.find('|', start);
    pieces.push_back(
        parse_name_piece(joined.substr(start, bar == std::string::npos ? std::string::npos : bar - start), what));
    if (bar == std::string::npos) return pieces;
    start = bar + 1;
  }
}

CompiledNameTable::CompiledNameTable(const NameTable& table) : table_(table) {
  for (const auto& rule : table_) {
    patterns_.emplace_back(rule.ours.empty() ? std::string("$^") : rule.ours, std::regex::ECMAScript);
    if (rule.ours.empty()) derived_.emplace_back(rule.authors, std::regex::ECMAScript);
  }
}

std::string CompiledNameTable::authors_names(const std::string& name, const torch::Tensor& ours,
                                             const std::string& what) const {
  return match(name, ours, what).authors;
}

CompiledNameTable::Match CompiledNameTable::match(const std::string& name, const torch::Tensor& ours,
                                                  const std::string& what) const {
  size_t r = 0;
  while (r < table_.size() && (table_[r].ours.empty() || !std::regex_match(name, patterns_[r]))) ++r;
  if (r == table_.size())
    throw Error(fmt::format("{}: the name table has no rule for our '{}' {} (a bug in mno's table)", what, name,
                            compat::shape_str(ours)));
  Match m{std::regex_replace(name, patterns_[r], table_[r].authors), {}, {}};
  const auto order = [&](const ColumnOrder& of, int64_t dim, const char* which, const char* plural) {
    std::vector<int64_t> out;
    const int64_t n = ours.dim() > dim && (dim == 0 || ours.dim() == 2) ? ours.size(dim) : -1;
    if (n >= 0) out = of(n);
    std::vector<int64_t> sorted = out;
    std::sort(sorted.begin(), sorted.end());
    bool permutation = n >= 0 && static_cast<int64_t>(sorted.size()) == n;
    for (int64_t c = 0; permutation && c < n; ++c) permutation = sorted[c] == c;
    if (!permutation)
      throw Error(fmt::format("{}: the {} order of our '{}' {} is not a permutation of its {} (a bug in mno's table)",
                              what, which, name, compat::shape_str(ours), plural));
    return out;
  };
  if (table_[r].columns) m.columns = order(table_[r].columns, 1, "column", "columns");
  if (table_[r].rows) m.rows = order(table_[r].rows, 0, "row", "rows");
  return m;
}

namespace {

std::vector<int64_t> identity_order(int64_t size) {
  std::vector<int64_t> order(static_cast<size_t>(size));
  std::iota(order.begin(), order.end(), int64_t{0});
  return order;
}

}  // namespace

ColumnOrder swap_position_columns(int64_t first) {
  return [first](int64_t columns) {
    auto order = identity_order(columns);
    const int64_t at = first < 0 ? columns + first : first;
    if (at >= 0 && at + 1 < columns) std::swap(order[at], order[at + 1]);
    else order.clear();  // too few columns: not a permutation, reported by match()
    return order;
  };
}

ColumnOrder swap_positions_and_deinterleave_fields(int64_t fields) {
  return [fields](int64_t columns) {
    const int64_t features = columns - 2;
    if (fields <= 0 || features < 0 || features % fields) return std::vector<int64_t>{};
    const int64_t steps = features / fields;
    auto order = identity_order(columns);
    std::swap(order[0], order[1]);
    for (int64_t k = 0; k < features; ++k) order[2 + k] = 2 + (k % fields) * steps + k / fields;
    return order;
  };
}

ColumnOrder swap_rotary_halves(int64_t heads, int64_t blocks) {
  return [heads, blocks](int64_t rows) {
    auto order = identity_order(rows);
    if (heads <= 0 || blocks <= 0 || rows % blocks || (rows / blocks) % heads) return std::vector<int64_t>{};
    const int64_t head_dim = rows / blocks / heads, half = head_dim / 2;
    if (head_dim % 2) return std::vector<int64_t>{};
    for (int64_t r = 0; r < rows / blocks; ++r) {
      const int64_t h = r / head_dim, i = r % head_dim;
      order[r] = h * head_dim + (i < half ? i + half : i - half);
    }
    return order;
  };
}

ColumnOrder swap_position_columns_per_head(int64_t heads) {
  return [heads](int64_t columns) {
    auto order = identity_order(columns);
    if (heads <= 0 || columns % heads || columns / heads < 2) return std::vector<int64_t>{};
    for (int64_t h = 0; h < heads; ++h) std::swap(order[h * (columns / heads)], order[h * (columns / heads) + 1]);
    return order;
  };
}

bool CompiledNameTable::is_derived(const std::string& authors_name) const {
  return std::any_of(derived_.begin(), derived_.end(),
                     [&](const std::regex& re) { return std::regex_match(authors_name, re); });
}

}  // namespace mno::parity
