#include "mno/models/authors_names.h"

#include "mno/core/error.h"

namespace mno::models {

NameTable authors_name_table(const ConfigNode& model_node) {
  const auto name = model_node.get<std::string>("name", "");
  if (name == "gt") return gt_authors_names(model_node);
  if (name == "gnot") return gnot_authors_names(model_node);
  if (name == "oformer") return oformer_authors_names(model_node);
  throw Error(fmt::format("model.name '{}': the MNO authors publish no '{}' model to import (expected gt, gnot or "
                          "oformer)",
                          name, name));
}

std::vector<std::string> authors_checkpoint_parts(const ConfigNode& model_node) {
  if (model_node.get<std::string>("name", "") == "oformer") return {"encoder", "decoder"};
  return {""};
}

}  // namespace mno::models
