#pragma once
// Small PDE files and tiny training configs for the train/ tests.
#include <fstream>
#include <string>

#include "data/data_test_support.h"
#include "mno/core/config.h"
#include "mno/data/gen/generate.h"

namespace mno::train::testing {

// A Darcy file of `samples` samples on a `side` x `side` grid (generated, deterministic).
inline std::string make_darcy(const std::string& dir, size_t samples = 24, size_t side = 8, double beta = 1.0) {
  data::gen::GenerateOptions o;
  o.samples = samples;
  o.out = dir + "/darcy.h5";
  o.progress = false;
  o.seed = 3;
  data::gen::DarcyParams p;
  p.resolution = side;
  p.beta = beta;
  data::gen::generate_darcy(o, p);
  return o.out;
}

// A tiny GT (width 16, one layer) on the Darcy file, with a mamba or galerkin mixer.
inline Config tiny_gt_config(const std::string& data_file, const std::string& mixer = "mamba") {
  return Config::parse(fmt::format(R"(
name: tiny
model:
  name: gt
  in_channels: 1
  out_channels: 1
  width: 16
  layers: 1
  ffn_dim: 16
  freq_dim: 8
  modes: 2
  spectral_layers: 1
  regressor_hidden: 16
  mixer: {{type: {}}}
data: {{file: {}, stride: 1}}
train:
  device: cpu
  seed: 5
  epochs: 3
  batch_size: 4
  eval_batch_size: 3
  clip_grad_norm: 0.999
  plot_samples: 1
  optimizer: {{type: adam, lr: 3.0e-3}}
  schedule: {{type: onecycle, max_lr: 3.0e-3, div_factor: 100, final_div_factor: 100, pct_start: 0.3}}
)", mixer, data_file), "tiny.yaml");
}

// tiny_gt_config as a config file a user would write: no `name:` (the run is named after its
// directory). Returns its path, `dir`/tiny.yaml.
inline std::string write_tiny_gt_config(const std::string& dir, const std::string& data_file) {
  const Config config = tiny_gt_config(data_file);
  YAML::Node root = config.root().yaml();  // a handle: removing through it edits the config
  root.remove("name");
  const std::string path = dir + "/tiny.yaml";
  std::ofstream(path) << config.dump_as_given();
  return path;
}

}  // namespace mno::train::testing
