// A config is read once into an Experiment (run/experiment.h): for every shipped config, reading
// never changes what the user wrote, the resolved form (a run's config.yaml) holds every default
// any reader fills in, and reading it back gives the same Experiment.
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "mno/core/config.h"
#include "mno/run/experiment.h"
#include "support/shipped_configs.h"
#include "support/testing.h"

namespace mno::run {
namespace {

// Every typed part, written out: two Experiments are the same when these are.
std::string typed_parts(const Experiment& e) {
  std::ostringstream s;
  const auto& d = e.data;
  s << fmt::format("name {}\ndata {} {} {} {} {} {} {} {} {} {} {} {} {}\n", e.name, d.file, d.file_as_typed,
                   static_cast<int>(d.split), d.train_samples, d.test_samples, d.stride, d.input_frames, d.resolution,
                   d.normalise_inputs, d.normalise_targets, d.normaliser_samples, d.resident, d.positions);
  const auto& t = e.train;
  s << fmt::format("train {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}\n", t.device, t.seed, t.epochs,
                   t.iterations, t.batch_size, t.eval_batch_size, t.drop_last, t.eval_every, t.loss, t.loss_space,
                   t.clip_grad_norm, t.select_metric, t.report_checkpoint, t.plot_samples, t.bf16, t.backend,
                   t.distributed_timeout_s);
  const auto& o = e.optimizer;
  s << fmt::format("optimizer {} {} {} {} [{}] {}\n", o.type, o.hyper.lr, o.hyper.weight_decay, o.hyper.eps,
                   fmt::join(o.hyper.betas, ","), o.fused);
  for (const auto& g : o.groups)
    s << fmt::format("  group [{}] {} {}\n", fmt::join(g.prefixes, ","), g.hyper.lr, g.hyper.weight_decay);
  const auto& c = e.schedule;
  const auto& oc = c.onecycle;
  s << fmt::format("schedule {} {} {} {} {} {} {} {} {} {} {} {}\n", c.type, oc.max_lr, oc.pct_start, oc.div_factor,
                   oc.final_div_factor, oc.cosine, oc.cycle_momentum, oc.base_momentum, oc.max_momentum, c.step_size,
                   c.gamma, c.min_lr);
  return s.str();
}

class ShippedExperiment : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedExperiment, ReadingLeavesItAsWrittenAndItsResolvedFormReadsBackTheSame) {
  const Config config = Config::load_file(GetParam());
  const std::string as_written = config.dump_as_given();
  const Experiment e = Experiment::read(config, "shipped");
  const auto model = e.build_model();
  EXPECT_EQ(config.dump_as_given(), as_written) << "reading wrote into the user's config";
  EXPECT_EQ(e.given_yaml(), as_written);

  // config.yaml of a run: every default is in it, so reading it back fills in nothing more
  // (what was given is what is resolved), and it is the same Experiment and the same model.
  const std::string resolved = e.resolved_yaml();
  const Experiment again = Experiment::read(Config::parse(resolved, "config.yaml"), "another-name");
  const auto model_again = again.build_model();
  EXPECT_EQ(again.resolved_yaml(), again.given_yaml()) << "a default was filled in that config.yaml lacked";
  EXPECT_EQ(again.resolved_yaml(), resolved);
  EXPECT_EQ(typed_parts(again), typed_parts(e));
  const auto a = model->named_parameters(), b = model_again->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& p : a) EXPECT_EQ(p.value().sizes(), b[p.key()].sizes()) << p.key();
}

INSTANTIATE_TEST_SUITE_P(Configs, ShippedExperiment, ::testing::ValuesIn(mno::testing::shipped_configs()),
                         mno::testing::shipped_config_name);

TEST(Experiment, ATrainerSetupSavesTheModelsDefaultsInTheResolvedConfig) {
  Config config = Config::parse(R"(
model: {name: fno, in_channels: 1, out_channels: 1}
data: {file: x.h5}
train: {epochs: 1}
)");
  const Experiment e = Experiment::read(config, "run");
  const std::string before_model = e.resolved_yaml();
  const train::TrainerSetup setup = e.trainer_setup();
  EXPECT_NE(setup.config_yaml, before_model) << "the model's defaults are missing from what checkpoints save";
  EXPECT_EQ(setup.config_yaml, e.resolved_yaml());
  EXPECT_NE(setup.config_yaml.find("modes"), std::string::npos) << setup.config_yaml;
}

TEST(Experiment, TheSameSeedBuildsTheSameInitialWeights) {
  const Config config = Config::parse(R"(
model: {name: fno, in_channels: 1, out_channels: 1, width: 8, layers: 1, modes: 2}
data: {file: x.h5}
train: {epochs: 1, seed: 7}
)");
  const Experiment e = Experiment::read(config, "run");
  const auto a = e.build_model(), b = e.build_model();
  for (const auto& p : a->named_parameters()) EXPECT_TRUE(torch::equal(p.value(), b->named_parameters()[p.key()]));
}

TEST(Experiment, AnUnknownSectionOrKeyIsRejectedNamingIt) {
  testing::expect_error(
      [] { Experiment::read(Config::parse("model: {name: fno}\ndata: {file: x.h5}\ntrain: {}\ntrian: {}\n"), "r"); },
      {"unknown key 'trian'"});
  testing::expect_error(
      [] {
        Experiment::read(Config::parse("model: {name: fno}\ndata: {file: x.h5}\ntrain: {schedule: {type: step, "
                                       "step_sise: 3}}\n"),
                         "r");
      },
      {"train.schedule.step_sise"});
  testing::expect_error(
      [] { Experiment::read(Config::parse("model: {name: fno}\ndata: {file: x.h5}\ntrain: {}\nname: a/b\n"), "r"); },
      {"key 'name'", "without '/'", "a/b"});
}

}  // namespace
}  // namespace mno::run
