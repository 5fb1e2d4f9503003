// Reading a shipped config never changes it, and what a run saves of it reads back to the same
// thing: configs/<dataset>/*.yaml, each model built at full size as a user's `mno train`,
// `mno import` and `mno info` would.
#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "mno/parity/authors_names.h"
#include "mno/models/neural_operator.h"
#include "mno/core/config.h"
#include "support/shipped_configs.h"
#include "support/testing.h"

namespace mno::models {
namespace {

// The authors publish GT, GNOT and OFormer with attention and Mamba mixers; not FNO, not the LTI
// SSM mixers, not a scan along a curve nor GT's pointwise regressor (their name tables refuse
// those, which CliExport and ExportRoundTrip show).
bool has_authors_counterpart(const ConfigNode& model) {
  const auto name = model.require<std::string>("name");
  const auto mixer = model.has("mixer") ? model.child("mixer").require<std::string>("type") : "";
  const bool curve = model.has("mixer") && model.child("mixer").has("order") &&
                     model.child("mixer").require<std::string>("order") != "index";
  const bool pointwise = model.has("regressor") && model.require<std::string>("regressor") != "spectral";
  return (name == "gt" || name == "gnot" || name == "oformer") && mixer != "s4" && mixer != "s4d" && !curve &&
         !pointwise;
}

class ShippedConfig : public ::testing::TestWithParam<std::string> {};

// What `mno import` does before anything else: the host's name table, then the model. The table
// must leave the config as the user wrote it (it once added 'heads' to a Mamba mixer, which the
// mixer then refused), and the run's saved config must build the same model again.
TEST_P(ShippedConfig, TheNameTableAndTheModelLeaveItAsWrittenAndItsDumpReadsBack) {
  const Config config = Config::load_file(GetParam());
  const std::string as_written = config.dump_as_given();
  const ConfigNode model = config.root().child("model");
  if (has_authors_counterpart(model)) {
    try {
      parity::authors_name_table(model);
    } catch (const Error& e) {
      FAIL() << e.what();
    }
  }
  const NeuralOperator built = make_model(model);
  EXPECT_EQ(config.dump_as_given(), as_written);

  // The resolved form (config.yaml of a run) builds the same model and is a fixed point.
  const Config saved = Config::parse(config.dump(), "config.yaml");
  if (has_authors_counterpart(saved.root().child("model"))) parity::authors_name_table(saved.root().child("model"));
  const NeuralOperator again = make_model(saved.root().child("model"));
  EXPECT_EQ(saved.dump(), config.dump());
  const auto a = built->named_parameters(), b = again->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& p : a) EXPECT_EQ(p.value().sizes(), b[p.key()].sizes()) << p.key();
}

INSTANTIATE_TEST_SUITE_P(Configs, ShippedConfig, ::testing::ValuesIn(mno::testing::shipped_configs()),
                         mno::testing::shipped_config_name);

}  // namespace
}  // namespace mno::models
