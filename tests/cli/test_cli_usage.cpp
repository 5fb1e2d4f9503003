// The command line as a user first meets it: help, the global options, self-checks, model info,
// and the one-line errors for what is wrong.
#include <gtest/gtest.h>

#include "cli/cli_runner.h"

namespace mno::cli::testing {
namespace {

TEST(CliUsage, HelpListsEveryCommand) {
  const CliResult r = run_mno({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* command : {"bench", "check", "demo", "info", "generate", "data", "train", "eval", "predict"})
    EXPECT_TRUE(r.has(std::string("\n  ") + command)) << command << "\n" << r.output;
}

TEST(CliUsage, AnUnknownCommandFails) {
  const CliResult r = run_mno({"frobnicate"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.has("frobnicate")) << r.output;
}

TEST(CliUsage, NegativeThreadsFail) {
  const CliResult r = run_mno({"--threads", "-1", "check", "layers"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.has("--threads")) << r.output;
}

TEST(CliUsage, CheckLayersPassesEveryCheck) {
  const CliResult r = run_mno({"--threads", "2", "check", "layers"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("layer checks passed")) << r.output;
  EXPECT_FALSE(r.has("FAIL")) << r.output;
}

TEST(CliUsage, InfoModelPrintsTheAuthorsParameterCount) {
  const CliResult r = run_mno({"info", "model", "configs/darcy/gt_mamba.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("trainable parameters: 4854177")) << r.output;
}

TEST(CliUsage, InfoModelNamesAnUnknownMixer) {
  const CliResult r = run_mno({"info", "model", "configs/darcy/gt_mamba.yaml", "model.mixer.type=mambo"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.has("error: ")) << r.output;
  EXPECT_TRUE(r.has("model.mixer.type")) << r.output;
  EXPECT_TRUE(r.has("mambo")) << r.output;
}

}  // namespace
}  // namespace mno::cli::testing
