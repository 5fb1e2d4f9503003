#include <gtest/gtest.h>

#include "mno/core/config.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

const char* kYaml = R"(
name: demo
model:
  width: 64
  mixer: {type: mamba, d_state: 16}
train:
  lr: 0.001
  epochs: 10
  resolution: [64, 64]
)";

TEST(Config, ReadsTypedValuesAndDefaults) {
  const auto cfg = Config::parse(kYaml, "demo.yaml");
  const auto root = cfg.root();
  EXPECT_EQ(root.require<std::string>("name"), "demo");
  const auto train = root.child("train");
  EXPECT_DOUBLE_EQ(train.require<double>("lr"), 0.001);
  EXPECT_EQ(train.get<int64_t>("batch", 8), 8);
  EXPECT_EQ(train.require<std::vector<int64_t>>("resolution"), (std::vector<int64_t>{64, 64}));
}

TEST(Config, OverridesChangeExistingKeysWithParsedValues) {
  auto cfg = Config::parse(kYaml, "demo.yaml");
  cfg.apply_overrides({"model.mixer.d_state=32", "train.lr=5e-4", "train.resolution=[32, 16]", "name=other"});
  const auto root = cfg.root();
  EXPECT_EQ(root.child("model").child("mixer").require<int64_t>("d_state"), 32);
  EXPECT_DOUBLE_EQ(root.child("train").require<double>("lr"), 5e-4);
  EXPECT_EQ(root.child("train").require<std::vector<int64_t>>("resolution"), (std::vector<int64_t>{32, 16}));
  EXPECT_NE(cfg.dump().find("d_state: 32"), std::string::npos);
}

TEST(Config, OverrideOfUnknownSectionIsRejectedWithTheKnownKeys) {
  auto cfg = Config::parse(kYaml, "demo.yaml");
  expect_error([&] { cfg.apply_override("trian.lr=1"); }, {"unknown key 'trian'", "name, model, train"});
  expect_error([&] { cfg.apply_override("model.mixr.d_state=1"); }, {"unknown key 'mixr'", "'model'"});
}

TEST(Config, OverrideMayAddALeafKeyWhichTheReaderThenChecks) {
  auto cfg = Config::parse(kYaml, "demo.yaml");
  cfg.apply_override("model.mixer.d_stat=32");  // a typo: accepted here, named by the reader
  const auto mixer = cfg.root().child("model").child("mixer");
  mixer.get<std::string>("type", "");
  mixer.get<int64_t>("d_state", 16);
  expect_error([&] { mixer.reject_unknown_keys(); }, {"unknown key 'model.mixer.d_stat'", "d_state, type"});
}

TEST(Config, MalformedOverrideIsRejected) {
  auto cfg = Config::parse(kYaml, "demo.yaml");
  expect_error([&] { cfg.apply_override("train.lr"); }, {"key.path=value"});
  expect_error([&] { cfg.apply_override("train..lr=1"); }, {"an empty key"});
  expect_error([&] { cfg.apply_override("name.first=1"); }, {"'name' is not a mapping"});
}

TEST(Config, UnreadKeysAreRejectedByTheReader) {
  const auto cfg = Config::parse("model: {width: 64, widht: 32}", "typo.yaml");
  const auto model = cfg.root().child("model");
  model.require<int64_t>("width");
  model.get<int64_t>("depth", 4);
  expect_error([&] { model.reject_unknown_keys(); }, {"typo.yaml", "unknown key 'model.widht'", "depth, width"});
}

TEST(Config, WrongTypeNamesKeyExpectedAndFound) {
  const auto cfg = Config::parse("train: {epochs: ten}", "t.yaml");
  expect_error([&] { cfg.root().child("train").require<int64_t>("epochs"); },
               {"t.yaml", "'train.epochs'", "expected an integer", "found 'ten'"});
}

TEST(Config, MissingKeysAndSectionsAreNamed) {
  const auto cfg = Config::parse("train: {}", "t.yaml");
  expect_error([&] { cfg.root().child("train").require<double>("lr"); }, {"missing required key 'train.lr'"});
  expect_error([&] { cfg.root().child("model"); }, {"missing required section 'model'"});
}

TEST(Config, AMisspeltKeyIsNamedInsteadOfTheMissingKeyItCauses) {
  const auto cfg = Config::parse("model: {mixr: {type: mamba}}\ndata: {}", "typo.yaml");
  expect_error([&] { cfg.root().child("model").child("mixer"); },
               {"typo.yaml", "unknown key 'model.mixr'", "did you mean 'mixer'?"});
  // Far from every key present: a plain missing key.
  expect_error([&] { cfg.root().child("train"); }, {"missing required section 'train'"});
}

TEST(Config, UnknownKeysSuggestTheNearestKnownKey) {
  const auto cfg = Config::parse("train: {epohcs: 3, zzz: 1}", "t.yaml");
  const auto train = cfg.root().child("train");
  train.get<int64_t>("epochs", 1);
  train.get<int64_t>("batch_size", 8);
  expect_error([&] { train.reject_unknown_keys(); },
               {"unknown key 'train.epohcs' (did you mean 'epochs'?), 'train.zzz'", "known keys"});
}

TEST(Config, DefaultsReadAreWrittenIntoTheDumpAndCloneIsIndependent) {
  const auto cfg = Config::parse("train: {epochs: 3}", "t.yaml");
  const Config copy = cfg.clone();
  cfg.root().child("train").get<int64_t>("batch_size", 8);
  cfg.root().child("train").get_choice("loss", "mse", {"mse", "rel_l2"});
  const auto resolved = Config::parse(cfg.dump(), "dumped");
  EXPECT_EQ(resolved.root().child("train").require<int64_t>("batch_size"), 8);
  EXPECT_EQ(resolved.root().child("train").require<std::string>("loss"), "mse");
  EXPECT_EQ(resolved.root().child("train").require<int64_t>("epochs"), 3);
  EXPECT_EQ(copy.dump().find("batch_size"), std::string::npos) << copy.dump();
}

// A default one reader asks for is recorded for the dump, never put where another reader would
// take it for the user's own setting (an authors' name table asked a Mamba mixer for 'heads' with
// a default, and the mixer's reader then rejected 'heads' as unknown).
TEST(Config, ADefaultOneReaderAskedIsNotSeenByAnother) {
  const auto cfg = Config::parse("model: {mixer: {type: mamba, d_state: 16}}", "m.yaml");
  const std::string as_given = cfg.dump_as_given();
  EXPECT_EQ(cfg.root().child("model").child("mixer").get<int64_t>("heads", 4), 4);
  const auto mixer = cfg.root().child("model").child("mixer");
  EXPECT_FALSE(mixer.has("heads"));
  mixer.require<std::string>("type");
  mixer.require<int64_t>("d_state");
  EXPECT_NO_THROW(mixer.reject_unknown_keys());
  EXPECT_EQ(cfg.dump_as_given(), as_given);
  EXPECT_NE(cfg.dump().find("heads: 4"), std::string::npos) << cfg.dump();
}

TEST(Config, OptionalSectionsAndListItemsRecordTheirDefaults) {
  const auto cfg = Config::parse("train: {groups: [{prefixes: [enc]}]}", "t.yaml");
  const auto train = cfg.root().child("train");
  EXPECT_EQ(train.optional_child("schedule").get<std::string>("type", "constant"), "constant");
  const auto items = train.list_items("groups");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_DOUBLE_EQ(items[0].get<double>("lr", 0.5), 0.5);
  EXPECT_TRUE(train.list_items("absent").empty());
  const auto resolved = Config::parse(cfg.dump(), "dumped").root().child("train");
  EXPECT_EQ(resolved.child("schedule").require<std::string>("type"), "constant");
  EXPECT_DOUBLE_EQ(resolved.list_items("groups")[0].require<double>("lr"), 0.5);
  EXPECT_EQ(cfg.dump_as_given().find("schedule"), std::string::npos) << cfg.dump_as_given();
  EXPECT_EQ(cfg.dump_as_given().find("lr"), std::string::npos) << cfg.dump_as_given();
}

TEST(Config, OverridesReachTheResolvedDumpToo) {
  auto cfg = Config::parse(kYaml, "demo.yaml");
  cfg.root().child("train").get<int64_t>("batch", 8);
  cfg.apply_overrides({"train.lr=0.25", "model.mixer.expand=3"});
  const auto resolved = Config::parse(cfg.dump(), "dumped").root();
  EXPECT_DOUBLE_EQ(resolved.child("train").require<double>("lr"), 0.25);
  EXPECT_EQ(resolved.child("train").require<int64_t>("batch"), 8);
  EXPECT_EQ(resolved.child("model").child("mixer").require<int64_t>("expand"), 3);
}

TEST(Config, InvalidYamlAndNonMappingFilesAreRejected) {
  expect_error([] { Config::parse("a: [1, 2", "bad.yaml"); }, {"bad.yaml", "not valid YAML"});
  expect_error([] { Config::parse("- 1\n- 2\n", "list.yaml"); }, {"list.yaml", "a YAML mapping at the top level"});
  expect_error([] { Config::load_file("/nonexistent/x.yaml"); }, {"cannot read config '/nonexistent/x.yaml'"});
}

// ---- where a value came from ----

TEST(Config, AnOverridesBadValueIsNamedAsTheCommandLineNotTheFile) {
  auto cfg = Config::parse(kYaml, "demo.yaml");
  cfg.apply_overrides({"train.epochs=abc", "model.mixer={type: mamba, d_state: many}", "train.lr=-1"});
  const auto train = cfg.root().child("train");
  try {
    train.require<int64_t>("epochs");
    ADD_FAILURE() << "train.epochs=abc was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "train.epochs=abc (command line): expected an integer, found 'abc'");
  }
  // A key inside a mapping given on the command line: the assignment, then the key.
  expect_error([&] { cfg.root().child("model").child("mixer").require<int64_t>("d_state"); },
               {"model.mixer={type: mamba, d_state: many} (command line): key 'model.mixer.d_state'",
                "expected an integer, found 'many'"});
  expect_error([&] { train.get_at_least<double>("lr", 1e-3, 0.0); }, {"train.lr=-1 (command line)", "a value >= 0"});
  // A copy (what readers of a run's name and the mixers' defaults see) knows it too.
  expect_error([&] { cfg.clone().root().child("train").require<int64_t>("epochs"); }, {"train.epochs=abc (command line)"});
  // The file's own values are still the file's.
  expect_error([&] { cfg.root().require<int64_t>("name"); }, {"demo.yaml: key 'name'"});
  // And a saved config shows the values, not where they came from.
  EXPECT_EQ(cfg.dump().find("command-line"), std::string::npos) << cfg.dump();
  EXPECT_NE(cfg.dump().find("epochs: abc"), std::string::npos) << cfg.dump();
}

TEST(Config, AnUnknownKeyAddedByAnOverrideIsNamedAsTheCommandLine) {
  auto cfg = Config::parse(kYaml, "demo.yaml");
  cfg.apply_override("train.epohcs=3");
  const auto train = cfg.root().child("train");
  train.get<double>("lr", 1e-3);
  train.get<int64_t>("epochs", 1);
  train.get<std::vector<int64_t>>("resolution", {});
  try {
    train.reject_unknown_keys();
    ADD_FAILURE() << "train.epohcs was accepted";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("train.epohcs=3 (command line): unknown key 'train.epohcs' (did you mean 'epochs'?)", 0), 0u)
        << message;
    EXPECT_EQ(message.find("demo.yaml"), std::string::npos) << message;
  }
}

// ---- keys given twice ----

TEST(Config, AKeyGivenTwiceIsAnErrorNamingTheKeyAndBothLines) {
  expect_error([] { Config::parse("name: a\nmodel:\n  width: 8\n  layers: 2\n  width: 16\n", "dup.yaml"); },
               {"dup.yaml: key 'model.width' is given twice (lines 3 and 5)"});
  expect_error([] { Config::parse("model: {mixer: {type: mamba, type: s4d}}", "flow.yaml"); },
               {"flow.yaml: key 'model.mixer.type' is given twice (line 1, columns 17 and 30)"});
  expect_error([] { Config::parse("train:\n  groups:\n    - {lr: 1, lr: 2}\n", "list.yaml"); },
               {"list.yaml: key 'train.groups[0].lr' is given twice"});
  expect_error([] { Config::parse("a: 1\na: 2\n", "top.yaml"); }, {"top.yaml: key 'a' is given twice (lines 1 and 2)"});
  auto cfg = Config::parse(kYaml, "demo.yaml");
  expect_error([&] { cfg.apply_override("model.mixer={type: mamba, type: s4d}"); },
               {"override 'model.mixer={type: mamba, type: s4d}': key 'model.mixer.type' is given twice"});
  // One key per mapping is fine wherever else it appears.
  EXPECT_NO_THROW(Config::parse("a: {width: 1}\nb: {width: 2}\n", "ok.yaml"));
}

}  // namespace
}  // namespace mno::testing
