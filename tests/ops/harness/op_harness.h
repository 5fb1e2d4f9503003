#pragma once
// One harness for every custom op (ggml's test-backend-ops is the model): each op registers its
// cases here — inputs, its fast path, its plain reference, a tolerance per dtype — and its
// rejected inputs with the message each must give. test_op_harness.cpp runs every registered
// case: the fast path's output against the reference's (the reference in float64 on the same
// inputs), then every input's gradient the same way, and every rejection.
//
// An op adds a file cases_<op>.cpp beside this one with a static OpCaseRegistration.
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace mno::testing {

using OpInputs = std::vector<torch::Tensor>;
using OpFunction = std::function<torch::Tensor(const OpInputs&)>;

struct OpCase {
  std::string op;    // "gated_norm"
  std::string name;  // "rows_fp32": unique within the op
  torch::Dtype dtype = torch::kFloat;
  // The inputs in `dtype`, from a seeded generator; undefined entries are optional inputs left out.
  // Floating inputs listed in `differentiable` get gradients checked.
  std::function<OpInputs(torch::Dtype)> inputs;
  std::vector<size_t> differentiable;
  OpFunction fast;       // the path under test, on the inputs as given
  OpFunction reference;  // the oracle, given the inputs in float64 (complex128 for complex ones)
  double tolerance = 1e-5;  // largest relative error (max |diff| / max |reference|), output and gradients
};

struct OpRejection {
  std::string op;
  std::string name;
  std::function<void()> call;           // must throw mno::Error ...
  std::vector<std::string> message;     // ... whose message holds each of these
};

std::vector<OpCase>& registered_op_cases();
std::vector<OpRejection>& registered_op_rejections();

struct OpCaseRegistration {
  OpCaseRegistration(std::vector<OpCase> cases, std::vector<OpRejection> rejections);
};

}  // namespace mno::testing
