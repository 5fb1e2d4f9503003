// The authors' GNOT's parameter names (docs/models.md, "Parity with the authors' code").
#include <optional>

#include "mno/core/error.h"
#include "mno/models/host_mixer.h"
#include "mno/parity/authors_names.h"

namespace mno::parity {

using models::mixer_type;

// The authors' GNOT, STGNOT, MambaGNOT and MambaGNOT_C4 (MambaGNOT/models/mmgpt.py, mmgpt_st.py,
// mmgpt_mamba.py, mmgpt_mamba_c4.py; one module tree): their MLP (models/mlp.py) names its layers
// `linear_pre`, `linears.i`, `linear_post`, in `trunk_mlp`, `branch_mlps.0` (one input function) and
// `out_mlp`. Block i is `blocks.i` (an nn.Sequential) with LayerNorms `ln1`, `ln2_branch.0` (the
// branch's), `ln3`, `ln4`, `ln5`, the gate `gatenet.j`, the experts `moe_mlp1.m.j` / `moe_mlp2.m.j`
// and the mixers `crossattn`, `selfattn`. Their attentions (Linear*/Standard*Attention) name the
// projections `query`, `key`, `value`, `proj`, the cross forms one key and value per input function
// (`keys.0`, `values.0`). SS2D / CrossSS2D (mamba_ops.py, mamba_ops_4.py) use our names.
NameTable gnot_authors_names(const ConfigNode& model_node, const AuthorsData& data) {
  const auto type = mixer_type(model_node, "mixer");
  if (type != "linear" && type != "softmax" && type != "mamba" && type != "mamba4")
    throw Error(fmt::format("model.mixer.type '{}': the MNO authors' GNOT has no such mixer (linear: GNOT, softmax: "
                            "STGNOT, mamba: MambaGNOT, mamba4: MambaGNOT_C4)",
                            type));
  // The layers that read positions take the two position columns swapped: the authors' loaders give
  // (y_j, x_i) where mno gives (x_i, y_j) (swap_position_columns in authors_names.h). The trunk reads
  // [pos, u_p], the branch [pos, features], every block's gate network pos. The branch's features
  // come field-major from their loader (u0…u9, v0…v9), step-major from mno's (u0, v0, u1, …).
  NameTable table = {
      {R"(trunk\.input\.weight)", "trunk_mlp.linear_pre.weight", swap_position_columns(0)},
      {R"(branch\.input\.weight)", "branch_mlps.0.linear_pre.weight",
       data.fields > 1 ? swap_positions_and_deinterleave_fields(data.fields) : swap_position_columns(0)},
      {R"(blocks\.(\d+)\.gate\.0\.weight)", "blocks.$1.gatenet.0.weight", swap_position_columns(0)},
  };
  const std::pair<std::string, std::string> mlps[] = {{"trunk", "trunk_mlp"}, {"branch", "branch_mlps.0"}, {"head", "out_mlp"}};
  for (const auto& [ours, theirs] : mlps) {
    table.push_back({ours + R"(\.input\.(weight|bias))", theirs + ".linear_pre.$1"});
    table.push_back({ours + R"(\.hidden\.(\d+)\.(weight|bias))", theirs + ".linears.$1.$2"});
    table.push_back({ours + R"(\.output\.(weight|bias))", theirs + ".linear_post.$1"});
  }
  const std::string block = R"(blocks\.(\d+)\.)";
  const char* const norms[] = {"ln1", "ln2_branch.0", "ln3", "ln4", "ln5"};  // our norms.0-4, in forward order
  for (int i = 0; i < 5; ++i)
    table.push_back({block + "norms\\." + std::to_string(i) + R"(\.(weight|bias))", std::string("blocks.$1.") + norms[i] + ".$2"});
  table.push_back({block + R"(gate\.(\d+)\.(weight|bias))", "blocks.$1.gatenet.$2.$3"});
  table.push_back({block + R"(ffn([12])\.experts\.(\d+)\.(\d+)\.(weight|bias))", "blocks.$1.moe_mlp$2.$3.$4.$5"});
  if (type == "mamba" || type == "mamba4") {
    table.push_back({block + R"(self_mixer\.(.+))", "blocks.$1.selfattn.$2"});
    table.push_back({block + R"(cross_mixer\.(.+))", "blocks.$1.crossattn.$2"});
    return table;
  }
  // {ours (linear), ours (softmax), theirs (self), theirs (cross)}
  const char* const projections[][4] = {
      {"query", "to_q", "query", "query"}, {"key", "to_k", "key", "keys.0"},
      {"value", "to_v", "value", "values.0"}, {"proj", "to_out", "proj", "proj"}};
  for (const auto& p : projections) {
    const std::string ours = type == "linear" ? p[0] : p[1];
    table.push_back({block + "self_mixer\\." + ours + R"(\.(weight|bias))", std::string("blocks.$1.selfattn.") + p[2] + ".$2"});
    table.push_back({block + "cross_mixer\\." + ours + R"(\.(weight|bias))", std::string("blocks.$1.crossattn.") + p[3] + ".$2"});
  }
  return table;
}

}  // namespace mno::parity
