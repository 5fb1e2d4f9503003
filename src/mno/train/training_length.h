#pragma once
// The length of training is one setting, given either by train.epochs or by train.iterations
// (optimiser steps; OFormer's configs use it). read_train_config refuses a config that sets both,
// rather than silently training by one of them.
#include <string>
#include <vector>

#include "mno/core/config.h"

namespace mno::train {

// Config::apply_overrides, except that an override of one of the two keys replaces the config's
// length instead of meeting the other key: train.epochs=N removes train.iterations (an OFormer
// config then trains N epochs) and train.iterations=N > 0 removes train.epochs (a GT config then
// trains N steps). Overriding both keeps both, and read_train_config refuses them unless
// train.iterations=0.
void apply_run_overrides(Config& config, const std::vector<std::string>& overrides);

// A config.yaml saved before the two keys were exclusive holds the default `epochs: 1` beside a
// positive `iterations`, which was the length used: removes it, so such runs still resume,
// evaluate and predict.
void drop_saved_default_epochs(Config& config);

}  // namespace mno::train
