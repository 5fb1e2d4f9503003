#pragma once
// The factories of the built-in models, one file each (registered in model_registry.cpp).
#include "mno/models/neural_operator.h"

namespace mno::models {

NeuralOperator make_fno(const ConfigNode& node);
NeuralOperator make_gnot(const ConfigNode& node);
NeuralOperator make_galerkin_transformer(const ConfigNode& node);
NeuralOperator make_oformer(const ConfigNode& node);

}  // namespace mno::models
