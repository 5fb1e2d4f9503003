// A run directory made by start_training is resumable from itself alone: its config.yaml is the
// fully resolved config (name and every default), and runs saved before that (no name) resume
// under their directory's name; one process at a time holds the run.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "mno/workflows/training.h"
#include "support/testing.h"
#include "train/train_test_support.h"

using namespace mno::run;

namespace mno::workflows {
namespace {

namespace fs = std::filesystem;
using mno::testing::read_text;
using data::testing::TempDir;

TEST(Training, ConfigYamlIsTheFullyResolvedConfig) {
  TempDir dir;
  Config config = train::testing::tiny_gt_config(train::testing::make_darcy(dir.path()));
  config.apply_override("name=~");  // no name: the run takes its directory's
  start_training(config, dir.file("my_run"))->run({false, 2});
  const Config saved = Config::load_file(dir.file("my_run/config.yaml"));
  const ConfigNode root = saved.root();
  EXPECT_EQ(root.require<std::string>("name"), "my_run");
  EXPECT_EQ(root.child("train").require<std::string>("loss"), "mse");                  // a default
  EXPECT_EQ(root.child("train").require<int64_t>("eval_batch_size"), 3);               // given
  EXPECT_EQ(root.child("train").require<std::string>("report_checkpoint"), "last");    // a default
  EXPECT_EQ(root.child("train").child("optimizer").require<double>("weight_decay"), 0.0);
  EXPECT_EQ(root.child("data").require<std::string>("split"), "pdebench");
  EXPECT_EQ(root.child("model").require<int64_t>("in_channels"), 1);
  // The caller's config is left as it was.
  EXPECT_EQ(config.dump().find("report_checkpoint"), std::string::npos);
}

TEST(Training, ARunSavedWithoutANameResumesUnderItsDirectorysName) {
  TempDir dir;
  Config config = train::testing::tiny_gt_config(train::testing::make_darcy(dir.path()));
  start_training(config, dir.file("old_run"))->run({false, 7});
  // config.yaml as runs wrote it before it was resolved: no name.
  std::string yaml = read_text(dir.file("old_run/config.yaml"));
  yaml.erase(yaml.find("name: tiny\n"), std::string("name: tiny\n").size());
  std::ofstream(dir.file("old_run/config.yaml"), std::ios::trunc) << yaml;
  auto resumed = resume_training(dir.file("old_run") + "/");  // as a shell's completion types it
  EXPECT_EQ(resumed->state().step, 7);
  EXPECT_EQ(resumed->run({false}).state.step, 15);
}

TEST(Training, ASecondProcessOnTheSameRunIsRefused) {
  TempDir dir;
  Config config = train::testing::tiny_gt_config(train::testing::make_darcy(dir.path()));
  auto first = start_training(config, dir.file("run"));
  EXPECT_TRUE(fs::exists(dir.file("run/.lock")));
  first->run({false, 3});
  // Held by this very process: as another process would find it, in use.
  testing::expect_error([&] { resume_training(dir.file("run")); }, {"is in use by process", ".lock"});
  first.reset();
  EXPECT_FALSE(fs::exists(dir.file("run/.lock")));
  EXPECT_EQ(resume_training(dir.file("run"))->state().step, 3);
}

TEST(Training, OverwriteReplacesARunOnlyOnceTheNewOneHasStarted) {
  TempDir dir;
  const std::string file = train::testing::make_darcy(dir.path());
  Config config = train::testing::tiny_gt_config(file);
  start_training(config, dir.file("run"))->run({false, 3});
  testing::expect_error([&] { start_training(config, dir.file("run")); }, {"already holds a run", "--overwrite"});
  Config broken = config.clone();
  broken.apply_override("data.file=" + dir.file("missing.h5"));
  testing::expect_error([&] { start_training(broken, dir.file("run"), true); }, {"missing.h5", "does not exist"});
  EXPECT_TRUE(fs::exists(dir.file("run/checkpoints/last.pt")));  // the old run is still there
  auto fresh = start_training(config, dir.file("run"), true);
  EXPECT_EQ(fresh->state().step, 0);
  EXPECT_FALSE(fs::exists(dir.file("run/checkpoints/last.pt")));
}

}  // namespace
}  // namespace mno::workflows
