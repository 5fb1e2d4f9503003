#pragma once
// The parity check against the MNO authors' models (tests/models/test_parity.cpp), in one place so
// that the mutation test (test_parity_mutations.cpp) checks exactly the check the parity test runs.
//
// A fixture (tests/fixtures/<set>/<name>/, made by tools/parity/make_fixtures.py) holds the
// authors' checkpoint, one input batch, their outputs, loss and every parameter's gradient.
// run_parity imports the checkpoint into our model (converted to the set's dtype first), runs it
// forward and backward once, and keeps everything compare_gradients needs. Two sets:
//   kFloat64Set  tests/fixtures/parity: every host x mixer x dataset, float64, the scan by the
//                plain recurrence; every gradient held to its own scale (the strict check);
//   kKernelSet   tests/fixtures/parity_kernel: the Mamba rows in fp32, made on the GPU with
//                mamba_ssm's own compiled selective_scan_cuda, so that the kernel itself (not a
//                reading of it both sides could share) is in the comparison; fp32 tolerances.
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "mno/core/config.h"
#include "mno/parity/authors_names.h"
#include "mno/parity/checkpoint_import.h"

namespace mno::testing {

// Outputs and loss: relative error in the 2-norm. Gradients: each relative to its own 2-norm (floored
// at kGradientFloor × the largest gradient's norm, far below the smallest real gradient of any
// fixture, ~1e-10 of the largest: oformer_mamba_swe's dt_projs_weight), except the gradients that are
// zero in exact arithmetic (exact_zero_rules), which must be absolutely below kExactZeroBound × the
// largest on both sides. float64 rounding is ~1e-16; the tolerances leave room for the two codes'
// different summation orders through a deep graph (the worst errors measured are printed by the
// parity test and listed in docs/models.md).
constexpr double kOutputTolerance = 1e-10;
constexpr double kGradientTolerance = 1e-8;
constexpr double kGradientFloor = 1e-14;
constexpr double kExactZeroBound = 1e-12;

// One folder of fixtures, its dtype and its tolerances (as above).
struct FixtureSet {
  std::string folder;       // under tests/fixtures/
  std::string dtype;        // the fixtures' dtype, as data.pt spells it
  double output_tolerance;
  double gradient_tolerance;
  double gradient_floor;
  double exact_zero_bound;
  std::string scan;         // what data.pt's "scan" must start with ("" = anything)
};
extern const FixtureSet kFloat64Set;
// fp32 on both sides (mamba_ssm's kernel on an H200, ours on the CPU): fp32 rounding is ~6e-8 and
// the two codes sum in different orders through a deep graph (and mamba_ssm builds with
// --use_fast_math), so outputs are held to 1e-5 and each gradient to 1e-4 of its own norm, floored
// at 1e-5 of the largest (worst measured: outputs 2.4e-6, gradients 4.6e-6; the float64 set holds
// the smaller gradients to their own scale; this set's point is the kernel's semantics).
extern const FixtureSet kKernelSet;

// A gradient that is zero in exact arithmetic for this model, by our parameter name, with why.
// Only rounding is left of it (~1e-17 of the largest gradient in float64), which its own norm
// cannot measure a relative error against.
struct ExactZeroRule {
  std::regex ours;
  std::string reason;
};
std::vector<ExactZeroRule> exact_zero_rules(const ConfigNode& model);

struct ParityRun {
  std::string name;
  const FixtureSet* set = &kFloat64Set;
  ConfigNode model_node;
  parity::NameTable table;
  double eval_error = 0, train_error = 0, loss_error = 0;
  parity::NamedTensors trainable;  // our parameters with requires_grad, and their gradients (ours)
  parity::NamedTensors frozen;     // our parameters without requires_grad (no gradient of ours)
  parity::NamedTensors their_grads;  // the fixture's gradients, by the authors' names
  std::vector<ExactZeroRule> exact_zero;
};

// tests/fixtures/<set.folder>/<name>. Loads the fixture (the set's dtype required), imports the
// checkpoint, runs our model in eval mode (no grad) and train mode with the MSE loss against the
// fixture's target, and backward. Throws (mno::Error or a gtest-visible std::runtime_error) on a
// malformed fixture.
// `edit_table`, when given, changes the host's name table before the import (a test that drops a
// rule's column order, to show the check sees it).
ParityRun run_parity(const std::string& name, const FixtureSet& set = kFloat64Set,
                     const std::function<void(parity::NameTable&)>& edit_table = {});

struct GradientResult {
  std::string ours;    // our parameter name
  std::string rule;    // "relative", "exact zero (<reason>)" or "frozen"
  double error = 0;    // relative error, or |gradient| / largest for the absolute rules
  double bound = 0;    // what error must not exceed
  double own_norm = 0; // the authors' gradient's norm
  bool passed() const { return error <= bound; }
};

struct GradientReport {
  std::vector<GradientResult> results;  // one per parameter of ours, trainable then frozen
  double largest = 0;                   // the largest authors' gradient norm
  std::vector<std::string> failures() const;
  const GradientResult* worst_relative() const;  // the largest error among the "relative" rule
};

// Compares our gradients (run.trainable) with `their_grads` (the authors' names, as in the
// fixture, or a mutated copy) by run.table: every trainable parameter of ours by the relative rule or
// its exact-zero rule, and every frozen parameter of ours must have an all-zero authors' gradient.
// An authors' gradient that maps to none of our parameters, or a shape mismatch, is an mno::Error.
GradientReport compare_gradients(const ParityRun& run, const parity::NamedTensors& their_grads);

}  // namespace mno::testing
