#include "mno/train/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <tuple>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/core/progress.h"
#include "mno/core/autocast.h"
#include "mno/train/distributed.h"
#include "mno/train/interrupt.h"
#include "mno/train/losses.h"

namespace mno::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// g <- g * min(1, max_norm / (||g|| + 1e-6)) over all gradients together: the formula of
// torch::nn::utils::clip_grad_norm_, whose double result reads the norm back to the host and so
// makes every step wait for the GPU; here the factor stays on the device.
void clip_grad_norm_on_device(const std::vector<torch::Tensor>& params, double max_norm) {
  std::vector<torch::Tensor> grads, norms;
  for (const auto& p : params) {
    if (!p.grad().defined()) continue;
    grads.push_back(p.grad());
    norms.push_back(p.grad().norm(2));
  }
  if (grads.empty()) return;
  const auto factor = (max_norm / (torch::stack(norms).norm(2) + 1e-6)).clamp_max(1.0);
  for (auto& g : grads) g.mul_(factor);
}

// A step's loss still on the device, with where it was taken.
struct PendingLoss {
  torch::Tensor value;
  int64_t step, batch;
};

double metric_by_name(const eval::Metrics& m, const std::string& name) {
  if (name == "rmse") return m.rmse;
  if (name == "nrmse") return m.nrmse;
  return m.rl2;
}

}  // namespace

std::string log_header() { return "epoch,step,lr,train_loss,test_rmse,test_nrmse,test_rl2,seconds,samples_per_s\n"; }

Trainer::Trainer(TrainerSetup setup, torch::Device device, TrainFiles files,
                 std::shared_ptr<Collectives> collectives, data::DataUse use)
    : train_(std::move(setup.train)), data_config_(std::move(setup.data)), config_yaml_(std::move(setup.config_yaml)),
      files_(std::move(files)), device_(device), model_(std::move(setup.model)), collectives_(std::move(collectives)) {
  check(!train_.bf16 || device_.is_cuda(), "{}: key 'train.bf16': bf16 autocast needs a CUDA device, and training "
        "runs on the {}", setup.source, device_.str());
  model_->to(device_);
  data_ = std::make_unique<data::TaskData>(data_config_, model_->in_channels(), model_->out_channels(), "", use);
  optimizer_ = std::make_unique<Optimizer>(setup.optimizer, *model_);
  if (use != data::DataUse::split) return;  // mno import: no split, no schedule; --resume builds it

  const size_t n = data_->split().train.size(), b = static_cast<size_t>(train_.batch_size);
  steps_per_epoch_ = train_.steps_per_epoch(n);
  check(steps_per_epoch_ >= 1, "train.batch_size: {} is larger than the {} training samples and train.drop_last is on",
        b, n);
  if (train_.iterations > 0) {
    total_steps_ = train_.iterations;
    epochs_ = (total_steps_ + steps_per_epoch_ - 1) / steps_per_epoch_;
  } else {
    epochs_ = train_.epochs;
    total_steps_ = epochs_ * steps_per_epoch_;
  }
  schedule_ = make_schedule(setup.schedule, optimizer_->base_lr(), total_steps_, steps_per_epoch_);
}

Trainer::~Trainer() = default;

bool Trainer::is_main() const { return !collectives_ || collectives_->rank() == 0; }

void Trainer::begin() {
  data_->fit_normalisers();
  data_->save_normalisers(files_.normalisers_dir);
  state_.log_csv = log_header();
  write_text_atomically(files_.log_csv, state_.log_csv);
}

void Trainer::restore() {
  data_->load_normalisers(files_.normalisers_dir);
  if (!std::filesystem::exists(files_.last_checkpoint)) {
    // Stopped (kill -9, a crash) before its first checkpoint: the run starts again from step 0,
    // which with the run's seed is exactly the run it would have been.
    if (is_main()) log::warn("{}: no checkpoint yet; training starts again from the first step", files_.run_dir);
    state_.log_csv = log_header();
    return;
  }
  state_ = load_checkpoint(files_.last_checkpoint, *model_, &optimizer_->get()).state;
}

void Trainer::save(const std::string& checkpoint_path) {
  if (!is_main()) return;  // one writer: rank 0 (every rank holds the same weights)
  save_checkpoint(checkpoint_path, *model_, &optimizer_->get(), state_, config_yaml_);
}

TrainOutcome Trainer::run(const TrainOptions& requested) {
  check(schedule_ != nullptr, "{}: this run was set up without a training split (mno import); continue it with "
        "mno train --resume, which reads the split", files_.run_dir);
  InterruptGuard guard;
  // stop_after_steps counts the steps of this call, so a run resumed at step 7 with 3 stops at
  // step 10; train_epoch compares it with the run's step count, so it becomes that step here.
  TrainOptions options = requested;
  if (options.stop_after_steps > 0) options.stop_after_steps += state_.step;
  data::LoaderOptions lo;
  lo.batch_size = static_cast<size_t>(train_.batch_size);
  lo.shuffle = true;
  lo.drop_last = train_.drop_last;
  lo.seed = train_.seed;
  if (collectives_) {
    lo.rank = collectives_->rank();
    lo.world_size = collectives_->world_size();
    // Every rank starts from rank 0's weights (they agree already when built from one seed or
    // one checkpoint; this makes it so whatever happened), then reduces gradients in buckets.
    std::vector<torch::Tensor> state;
    for (const auto& p : model_->parameters()) state.push_back(p.detach());
    for (const auto& b : model_->buffers()) state.push_back(b.detach());
    collectives_->broadcast_from_rank0(state, "the broadcast of rank 0's weights");
    reducer_ = std::make_unique<GradientReducer>(model_->parameters(), collectives_);
  }
  lo.resident = data_->resident_device(device_);
  const auto loader = data_->train_loader(lo);
  if (is_main()) {
    log::info("train {}: {} on {}; {}; {}; {} epochs x {} steps = {} steps", files_.run_dir, model_->name(),
             device_.str(), data_->describe(), optimizer_->describe(), epochs_, steps_per_epoch_, total_steps_);
    if (collectives_)
      log::info("data parallel: {} ranks ({}), global batch {} split across them", collectives_->world_size(),
               collectives_->backend(), train_.batch_size);
    log::info("schedule: {}", schedule_->describe());
    if (lo.resident)
      log::info("training split resident on {} ({:.0f} MB; data.resident: {})", lo.resident->str(),
                data_->train_split_bytes() / 1e6, data_config_.resident);
  }
  model_->train();
  while (state_.epoch < epochs_ && state_.step < total_steps_) {
    loader->start_epoch(static_cast<uint64_t>(state_.epoch), static_cast<size_t>(state_.batch));
    const int64_t first_batch = state_.batch;
    double seconds = 0.0;
    const bool completed = train_epoch(*loader, options, seconds);
    state_.seconds += seconds;
    if (!completed) {
      save(files_.last_checkpoint);
      return {state_, true};
    }
    end_epoch(seconds, (state_.batch - first_batch) * train_.batch_size);
  }
  return {state_, false};
}

bool Trainer::train_epoch(data::BatchLoader& loader, const TrainOptions& options, double& seconds) {
  const auto start = Clock::now();
  std::unique_ptr<Progress> bar;
  if (options.progress && is_main() && isatty(fileno(stderr)))
    bar = std::make_unique<Progress>(fmt::format("epoch {}/{}", state_.epoch + 1, epochs_), steps_per_epoch_);
  if (bar && state_.batch > 0) bar->advance(state_.batch);
  bool completed = true;
  const auto non_finite = [&](double value, int64_t step, int64_t batch) {
    const bool saved = std::filesystem::exists(files_.last_checkpoint);
    return Error(fmt::format(
        "training stopped: the {} loss is {} at epoch {}, step {} (batch {} of the epoch); {}. Try a lower "
        "train.optimizer.lr or train.clip_grad_norm, and check the data (mno data info)",
        train_.loss, value, state_.epoch + 1, step + 1, batch + 1,
        saved ? "the last good checkpoint is " + files_.last_checkpoint + " (resume with mno train --resume " + files_.run_dir + ")"
              : "no epoch had finished, so there is no checkpoint"));
  };
  // On a GPU, losses are read back every kReadBackEvery steps (and at the end of the loop), not at
  // every step: a read-back makes the host wait until the GPU has finished the step, so the next
  // step's kernels could not be queued while this one runs. A non-finite loss is still reported
  // with its exact step; the checkpoints are only written at epoch ends, after the read-back.
  constexpr size_t kReadBackEvery = 25;
  const size_t read_back_every = device_.is_cuda() && !collectives_ ? kReadBackEvery : 1;
  std::vector<PendingLoss> pending;
  double last_loss = std::nan("");
  const auto read_back = [&] {
    if (pending.empty()) return;
    std::vector<torch::Tensor> values;
    for (const auto& p : pending) values.push_back(p.value);
    const auto host = torch::stack(values).to(torch::kCPU, torch::kDouble);
    const auto read = host.accessor<double, 1>();
    for (size_t i = 0; i < pending.size(); ++i) {
      if (!std::isfinite(read[static_cast<int64_t>(i)])) throw non_finite(read[static_cast<int64_t>(i)], pending[i].step, pending[i].batch);
      state_.epoch_loss_sum += read[static_cast<int64_t>(i)];
      last_loss = read[static_cast<int64_t>(i)];
    }
    pending.clear();
  };
  while (state_.step < total_steps_) {
    auto batch = loader.next();
    if (!batch) break;
    const ScheduleValue lr = schedule_->at(state_.step);
    optimizer_->apply(lr);
    optimizer_->get().zero_grad();
    bool any_rank_stops = false;
    if (collectives_) {
      double value = 0.0;
      std::tie(value, any_rank_stops) = distributed_backward(*batch);
      if (!std::isfinite(value)) throw non_finite(value, state_.step, state_.batch);
      state_.epoch_loss_sum += value;
      last_loss = value;
    } else {
      const torch::Tensor loss = batch_loss(*batch);
      pending.push_back({loss.detach(), state_.step, state_.batch});
      if (pending.size() >= read_back_every) read_back();
      loss.backward();
    }
    if (train_.clip_grad_norm > 0.0) clip_grad_norm_on_device(model_->parameters(), train_.clip_grad_norm);
    optimizer_->get().step();
    ++state_.step;
    ++state_.batch;
    if (bar) bar->advance(1, fmt::format("loss {:.3e} lr {:.2e}", last_loss, lr.lr));
    if (collectives_) maybe_fault_kill(collectives_->rank(), state_.step);
    const bool stop = collectives_ ? any_rank_stops : interrupt_requested();
    if (stop || (options.stop_after_steps > 0 && state_.step >= options.stop_after_steps)) {
      completed = false;
      break;
    }
  }
  read_back();
  if (bar) bar->finish();
  seconds = seconds_since(start);
  return completed;
}

torch::Tensor Trainer::batch_loss(const data::Batch& batch) {
  compat::CudaBf16Autocast autocast(train_.bf16);
  const torch::Tensor out = eval::forward_batch(*model_, *data_, batch.x, batch.pos).to(torch::kFloat);
  torch::Tensor prediction = out, target;
  if (train_.loss_space == "physical") {
    prediction = data_->decode_output(out).reshape(out.sizes());
    target = batch.y.reshape(out.sizes()).to(device_);
  } else {
    target = data_->target(batch.y).to(device_);
  }
  return loss_by_name(train_.loss, prediction, target);
}

std::pair<double, bool> Trainer::distributed_backward(const data::Batch& batch) {
  // Losses are means over samples, so weighting each rank's gradient by its share of the global
  // batch makes their sum the gradient of the global batch's mean: the single-process step.
  const int64_t n = static_cast<int64_t>(data_->split().train.size()), b = train_.batch_size;
  const int64_t global = std::min(b, n - state_.batch * b);
  const int64_t local = batch.x.defined() ? batch.x.size(0) : 0;
  const double weight = static_cast<double>(local) / static_cast<double>(global);
  torch::Tensor loss;
  double local_loss = 0.0;
  if (local > 0) {
    loss = batch_loss(batch);
    local_loss = loss.item<double>();
  }
  // The loss and the stop vote are summed before backward, at the host sync the loss read-back
  // makes anyway, so the rest of the step (backward, gradient all-reduce, optimiser) is queued
  // without another wait — as in a single-process step.
  const std::vector<double> sums = collectives_->sum_scalars({local_loss * weight, interrupt_requested() ? 1.0 : 0.0},
                                                             fmt::format("the loss all-reduce at step {}", state_.step + 1));
  if (!std::isfinite(sums[0])) return {sums[0], true};  // every rank stops at the check that follows
  reducer_->begin_step(weight);
  if (local > 0) loss.backward();
  reducer_->finish_step(fmt::format("step {}", state_.step + 1));
  return {sums[0], sums[1] > 0.0};
}

void Trainer::end_epoch(double epoch_seconds, int64_t epoch_samples) {
  const int64_t epoch = state_.epoch + 1;
  const bool last = epoch >= epochs_ || state_.step >= total_steps_;
  // Rank 0 alone evaluates (the others go on to the next epoch's first all-reduce and wait there).
  const bool evaluate = is_main() && (last || (train_.eval_every > 0 && epoch % train_.eval_every == 0));
  const double train_loss = state_.epoch_loss_sum / static_cast<double>(std::max<int64_t>(1, state_.batch));
  std::string metrics = ",,";
  std::string summary;
  bool best = false;
  if (evaluate) {
    const auto test = data_->test_loader(static_cast<size_t>(train_.eval_batch_size));
    const eval::Evaluation e = eval::evaluate(*model_, *data_, *test, {});
    const eval::Metrics m = e.standard.result();
    metrics = fmt::format("{:.9g},{:.9g},{:.9g}", m.rmse, m.nrmse, m.rl2);
    summary = fmt::format(", test rmse {:.4e} nrmse {:.4e} rl2 {:.4e}", m.rmse, m.nrmse, m.rl2);
    const double score = metric_by_name(m, train_.select_metric);
    if (std::isfinite(score) && score < state_.best_metric) {
      state_.best_metric = score;
      state_.best_epoch = epoch;
      best = true;
    }
  }
  state_.log_csv += fmt::format("{},{},{:.9g},{:.17g},{},{:.3f},{:.2f}\n", epoch, state_.step, optimizer_->current_lr(),
                                train_loss, metrics, state_.seconds, epoch_samples / std::max(1e-9, epoch_seconds));
  if (is_main())
    log::info("epoch {}/{}: step {}, train loss {:.4e}{}, {:.1f} s{}", epoch, epochs_, state_.step, train_loss, summary,
             epoch_seconds, best ? " (best)" : "");
  state_.epoch = epoch;
  state_.batch = 0;
  state_.epoch_loss_sum = 0.0;
  if (is_main()) write_text_atomically(files_.log_csv, state_.log_csv);
  if (best) save(files_.best_checkpoint);
  save(files_.last_checkpoint);
}

}  // namespace mno::train
