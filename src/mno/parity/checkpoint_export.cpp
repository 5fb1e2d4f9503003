#include "mno/parity/checkpoint_export.h"

#include <algorithm>
#include <map>
#include <memory>
#include <regex>

#include <fmt/ranges.h>

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"

namespace mno::parity {
namespace {

// An authors' tensor being put back together: whole, or from row chunks given by several of ours.
struct Assembly {
  torch::Tensor whole;
  int64_t chunks = 0;  // 0: whole
  std::vector<torch::Tensor> parts;
  std::vector<std::string> givers;  // our name behind each chunk, for errors
};

// The authors' module tree as their names spell it, to write the tensors in the order their
// state_dict() would list them.
struct NameTree {
  std::vector<std::string> order;  // children, in the order first named
  std::map<std::string, std::unique_ptr<NameTree>> children;
  int64_t leaf = -1;  // index of the tensor named by the path to here

  void insert(const std::string& name, int64_t index) {
    NameTree* node = this;
    size_t start = 0;
    for (;;) {
      const auto dot = name.find('.', start);
      const auto key = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      auto& child = node->children[key];
      if (!child) {
        child = std::make_unique<NameTree>();
        node->order.push_back(key);
      }
      node = child.get();
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    node->leaf = index;
  }

  // Depth first. Numbered children are a ModuleList's or Sequential's, which PyTorch always lists
  // in numeric order; others keep the order in which our tensors first named them.
  void walk(std::vector<int64_t>& out) const {
    if (leaf >= 0) out.push_back(leaf);
    auto keys = order;
    const bool numbered = std::all_of(keys.begin(), keys.end(), [](const std::string& k) {
      return !k.empty() && k.size() < 18 && std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; });
    });
    if (numbered)
      std::stable_sort(keys.begin(), keys.end(),
                       [](const std::string& a, const std::string& b) { return std::stoll(a) < std::stoll(b); });
    for (const auto& k : keys) children.at(k)->walk(out);
  }
};

}  // namespace

NamedTensors state_dict_order(const torch::nn::Module& model) {
  NamedTensors out;
  auto own = [&out](const std::string& prefix, const torch::nn::Module& m) {
    for (const auto& p : m.named_parameters(/*recurse=*/false)) out.emplace_back(prefix + p.key(), p.value());
    for (const auto& b : m.named_buffers(/*recurse=*/false)) out.emplace_back(prefix + b.key(), b.value());
  };
  own("", model);
  for (const auto& m : model.named_modules("", /*include_self=*/false)) own(m.key() + ".", *m.value());
  return out;
}

NamedTensors export_authors_tensors(const NamedTensors& ours, const NameTable& table, const NamedTensors& derived,
                                    const std::string& what) {
  const CompiledNameTable rules(table);
  std::map<std::string, Assembly> built;
  std::vector<std::string> first_named;  // the authors' names in the order ours first give them
  auto slot = [&](const std::string& theirs) -> Assembly& {
    auto [it, added] = built.try_emplace(theirs);
    if (added) first_named.push_back(theirs);
    return it->second;
  };
  auto give_whole = [&](const std::string& theirs, const torch::Tensor& t, const std::string& mine) {
    auto& a = slot(theirs);
    if (a.whole.defined() || a.chunks)
      throw Error(fmt::format("{}: the authors' '{}' would be written twice (again from our '{}'; a bug in mno's "
                              "name table)",
                              what, theirs, mine));
    a.whole = t;
  };

  for (const auto& [name, tensor] : ours) {
    const auto match = rules.match(name, tensor.detach(), what);
    const auto& joined = match.authors;
    // Back into the authors' column order (the inverse of import's): theirs[:, order[c]] = ours[:, c].
    auto mine = tensor.detach();
    const auto inverse = [](const std::vector<int64_t>& order) {
      std::vector<int64_t> out(order.size());
      for (size_t c = 0; c < order.size(); ++c) out[order[c]] = static_cast<int64_t>(c);
      return torch::tensor(out, torch::kLong);
    };
    if (!match.columns.empty()) mine = mine.index_select(1, inverse(match.columns));
    if (!match.rows.empty()) mine = mine.index_select(0, inverse(match.rows));
    const auto pieces = parse_joined_names(joined, what);
    if (pieces.size() == 1 && pieces[0].chunks == 0) {
      give_whole(pieces[0].name, mine, name);
    } else if (pieces.size() == 1) {
      // Ours is chunks first..last of theirs: split it back into those chunks.
      const auto& p = pieces[0];
      const int64_t count = p.last - p.first + 1;
      if (mine.dim() == 0 || mine.size(0) % count)
        throw Error(fmt::format("{}: our '{}' {} does not split into the {} chunks '{}' names", what, name,
                                compat::shape_str(mine), count, joined));
      auto& a = slot(p.name);
      if (a.whole.defined() || (a.chunks && a.chunks != p.chunks))
        throw Error(fmt::format("{}: the authors' '{}' is named both whole and in {} chunks (our '{}'; a bug in "
                                "mno's name table)",
                                what, p.name, p.chunks, name));
      if (!a.chunks) {
        a.chunks = p.chunks;
        a.parts.resize(p.chunks);
        a.givers.resize(p.chunks);
      }
      const auto blocks = mine.chunk(count, 0);
      for (int64_t i = 0; i < count; ++i) {
        auto& part = a.parts[p.first + i];
        if (part.defined())
          throw Error(fmt::format("{}: chunk {} of the authors' '{}' comes from both our '{}' and '{}' (a bug in "
                                  "mno's name table)",
                                  what, p.first + i, p.name, a.givers[p.first + i], name));
        part = blocks[i];
        a.givers[p.first + i] = name;
      }
    } else {
      // Several whole tensors of theirs stacked into ours (per-head modules): unstack. A join
      // that concatenates (import's other reading of '|') does not record each piece's rows.
      const bool chunked = std::any_of(pieces.begin(), pieces.end(), [](const NamePiece& p) { return p.chunks; });
      const auto n = static_cast<int64_t>(pieces.size());
      if (chunked || mine.dim() == 0 || mine.size(0) != n)
        throw Error(fmt::format("{}: our '{}' {} joins '{}', which export cannot split back (only {} stacked "
                                "tensors, one row of ours each, can be)",
                                what, name, compat::shape_str(mine), joined, n));
      for (int64_t i = 0; i < n; ++i) give_whole(pieces[i].name, mine[i], name);
    }
  }

  for (const auto& [name, tensor] : derived) {
    if (!rules.is_derived(name))
      throw Error(fmt::format("{}: the derived buffer '{}' is not among the name table's derived names (a bug in "
                              "mno's table)",
                              what, name));
    give_whole(name, tensor, "(derived)");
  }

  NamedTensors flat;
  NameTree tree;
  for (const auto& theirs : first_named) {
    auto& a = built.at(theirs);
    if (a.chunks) {
      for (int64_t i = 0; i < a.chunks; ++i)
        if (!a.parts[i].defined())
          throw Error(fmt::format("{}: no tensor of ours gives chunk {} of {} of the authors' '{}' (a bug in mno's "
                                  "name table)",
                                  what, i, a.chunks, theirs));
      a.whole = torch::cat(a.parts, 0);
    }
    tree.insert(theirs, static_cast<int64_t>(flat.size()));
    flat.emplace_back(theirs, a.whole);
  }
  std::vector<int64_t> order;
  tree.walk(order);
  NamedTensors out;
  for (const auto i : order) out.push_back(flat[i]);
  return out;
}

NamedTensors export_authors_state(const torch::nn::Module& model, const ConfigNode& model_node,
                                  const std::string& what, const AuthorsData& data) {
  const auto table = authors_name_table(model_node, data);
  // The derived buffers in the model's floating type: the authors' fp32 model computes them in
  // fp32, a float64 one (the parity fixtures) in float64.
  torch::Dtype dtype = torch::kFloat;
  for (const auto& p : model.parameters())
    if (p.is_floating_point()) {
      dtype = p.scalar_type();
      break;
    }
  return export_authors_tensors(state_dict_order(model), table, authors_derived_buffers(model_node, dtype), what);
}

std::vector<NamedTensors> split_authors_parts(const NamedTensors& all, const std::vector<std::string>& parts,
                                              const std::string& what) {
  std::vector<NamedTensors> files(parts.size());
  for (const auto& [name, tensor] : all) {
    size_t i = 0;
    while (i < parts.size() && !parts[i].empty() && name.rfind(parts[i] + ".", 0) != 0) ++i;
    if (i == parts.size())
      throw Error(fmt::format("{}: the authors' '{}' belongs to none of their files ({}; a bug in mno's name table)",
                              what, name, fmt::join(parts, ", ")));
    files[i].emplace_back(parts[i].empty() ? name : name.substr(parts[i].size() + 1), tensor);
  }
  return files;
}

}  // namespace mno::parity
