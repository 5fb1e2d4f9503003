#pragma once
// The one device policy of mno: `auto` picks CUDA when this build and machine have it, else the
// CPU; `cuda` asked for where there is none is an error, never a silent fall-back.
#include <string>

#include <torch/torch.h>

namespace mno::run {

// `requested`: auto | cpu | cuda. `what` names where the request came from, for the error
// ("train.device in runs/x/config.yaml", "--device").
torch::Device resolve_device(const std::string& requested, const std::string& what);

}  // namespace mno::run
