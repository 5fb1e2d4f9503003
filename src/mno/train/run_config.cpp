#include "mno/train/run_config.h"

#include <filesystem>

#include "mno/core/error.h"

namespace mno::train {

TrainConfig read_train_config(const ConfigNode& n) {
  TrainConfig t;
  t.device = n.get_choice("device", t.device, {"auto", "cpu", "cuda"});
  t.seed = static_cast<uint64_t>(n.get_at_least<int64_t>("seed", 0, 0));
  // Two ways to give the length of training (GT/FNO/GNOT configs count epochs, OFormer's count
  // optimiser steps): a config with both would silently train by one of them, so it is refused.
  // `epochs` is read (and its default filled in) only when `iterations` is off.
  const bool epochs_given = n.has("epochs");
  t.iterations = n.get_at_least<int64_t>("iterations", 0, 0);
  if (t.iterations == 0) t.epochs = n.get_at_least<int64_t>("epochs", t.epochs, 1);
  else if (epochs_given)
    throw Error(fmt::format(
        "{}: '{}: {}' and '{}: {}' both set the length of training; set one: {} alone trains by optimiser steps, "
        "or {}=0 with {} trains by epochs",
        n.source(), n.path_of("epochs"), n.require<int64_t>("epochs"), n.path_of("iterations"), t.iterations,
        n.path_of("iterations"), n.path_of("iterations"), n.path_of("epochs")));
  t.batch_size = n.get_at_least<int64_t>("batch_size", t.batch_size, 1);
  t.eval_batch_size = n.get_at_least<int64_t>("eval_batch_size", t.batch_size, 1);
  t.drop_last = n.get<bool>("drop_last", t.drop_last);
  t.eval_every = n.get_at_least<int64_t>("eval_every", t.eval_every, 0);
  t.loss = n.get_choice("loss", t.loss, {"mse", "rel_l2"});
  t.loss_space = n.get_choice("loss_space", t.loss_space, {"normalised", "physical"});
  t.clip_grad_norm = n.get_at_least<double>("clip_grad_norm", 0.0, 0.0);
  t.select_metric = n.get_choice("select_metric", t.select_metric, {"rmse", "nrmse", "rl2"});
  t.report_checkpoint = n.get_choice("report_checkpoint", t.report_checkpoint, {"last", "best"});
  t.plot_samples = n.get_at_least<int64_t>("plot_samples", t.plot_samples, 0);
  t.bf16 = n.get<bool>("bf16", t.bf16);
  t.backend = n.get_choice("backend", t.backend, {"auto", "gloo", "nccl"});
  t.distributed_timeout_s = n.get_at_least<double>("distributed_timeout_s", t.distributed_timeout_s, 1.0);
  // Read by the optimiser and schedule builders; marked known here.
  n.has("optimizer");
  n.has("schedule");
  n.reject_unknown_keys();
  return t;
}

std::string default_run_name(const std::string& config_path) {
  const std::filesystem::path p(config_path);
  const std::string parent = p.parent_path().filename().string();
  const std::string stem = p.stem().string();
  return parent.empty() || parent == "configs" || parent == "." ? stem : parent + "_" + stem;
}

}  // namespace mno::train
