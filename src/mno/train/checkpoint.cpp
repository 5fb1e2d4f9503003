#include "mno/train/checkpoint.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <ATen/CPUGeneratorImpl.h>
#include <zlib.h>

#include "mno/core/atomic_file.h"
#include <fmt/ranges.h>

#include "mno/core/error.h"
#include "mno/core/zip_integrity.h"

namespace mno::train {
namespace {

constexpr int64_t kFormat = 1;

torch::Tensor scalar(double v) { return torch::tensor(v, torch::kFloat64); }
torch::Tensor scalar(int64_t v) { return torch::tensor(v, torch::kInt64); }

std::string read_string(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue v;
  archive.read(key, v);
  return v.toStringRef();
}

// The generators whose state a run depends on: the CPU one, and CUDA's when present.
std::vector<std::pair<std::string, at::Generator>> generators() {
  std::vector<std::pair<std::string, at::Generator>> g{{"rng_cpu", at::detail::getDefaultCPUGenerator()}};
  if (torch::cuda::is_available()) g.emplace_back("rng_cuda", at::globalContext().defaultGenerator(at::Device(at::kCUDA, 0)));
  return g;
}

std::string first_difference(const std::string& stored, const std::string& expected) {
  std::istringstream a(stored), b(expected);
  std::string la, lb;
  while (true) {
    const bool ga = static_cast<bool>(std::getline(a, la)), gb = static_cast<bool>(std::getline(b, lb));
    if (!ga && !gb) return "";
    if (!ga) return fmt::format("the model has '{}', the checkpoint has no such entry", lb);
    if (!gb) return fmt::format("the checkpoint has '{}', the model has no such entry", la);
    if (la != lb) return fmt::format("the checkpoint has '{}' where the model has '{}'", la, lb);
  }
}

// Archives load onto the CPU: put Adam's moments beside their parameters (a CUDA run resumed).
template <typename State>
bool move_state(torch::optim::OptimizerParamState* s, const torch::Device& device) {
  auto* state = dynamic_cast<State*>(s);
  if (!state) return false;
  state->exp_avg(state->exp_avg().to(device));
  state->exp_avg_sq(state->exp_avg_sq().to(device));
  if (state->max_exp_avg_sq().defined()) state->max_exp_avg_sq(state->max_exp_avg_sq().to(device));
  return true;
}

// A model lives on one device, so every state goes to the first parameter's (the state map's key
// type differs between LibTorch 1.13 and 2.x, so it is not looked up by parameter).
void move_optimizer_state(torch::optim::Optimizer& optimizer) {
  const auto& groups = optimizer.param_groups();
  if (groups.empty() || groups.front().params().empty()) return;
  const torch::Device device = groups.front().params().front().device();
  for (auto& kv : optimizer.state())
    if (!move_state<torch::optim::AdamParamState>(kv.second.get(), device))
      move_state<torch::optim::AdamWParamState>(kv.second.get(), device);
}

// "parameter name 0x<crc32>" per parameter and buffer: a CRC-32 of each tensor's bytes as they
// were in memory, written beside the weights and compared with what was loaded. The zip's own
// CRCs cover the bytes from the archive writer on; this covers the weights end to end (a file
// rewritten with fresh zip CRCs, a serialisation that changed a value).
std::string weights_checksums(const torch::nn::Module& model) {
  std::string s;
  auto add = [&](const std::string& kind, const std::string& name, const torch::Tensor& t) {
    const torch::Tensor bytes = t.detach().to(torch::kCPU).contiguous();
    const uLong crc = crc32_z(crc32(0L, Z_NULL, 0), static_cast<const Bytef*>(bytes.data_ptr()),
                              static_cast<z_size_t>(bytes.nbytes()));
    s += fmt::format("{} {} 0x{:08x}\n", kind, name, static_cast<uint32_t>(crc));
  };
  for (const auto& p : model.named_parameters()) add("parameter", p.key(), p.value());
  for (const auto& b : model.named_buffers()) add("buffer", b.key(), b.value());
  return s;
}

// Checkpoints written before the checksums existed have none: their zip CRCs are checked alone.
void check_weights(const std::string& path, torch::serialize::InputArchive& archive, const torch::nn::Module& model) {
  c10::IValue saved;
  if (!archive.try_read("weights_crc32", saved)) return;
  std::istringstream expected(saved.toStringRef()), loaded(weights_checksums(model));
  for (std::string kind, name, want, got; expected >> kind >> name >> want;) {
    std::string loaded_kind, loaded_name;
    loaded >> loaded_kind >> loaded_name >> got;
    check(want == got, "{}: {} '{}' was saved with CRC-32 {} but loads as {}: the file is corrupt", path, kind, name,
          want, got);
  }
}

// The fault-injection suite (docs/reliability.md) kills runs while a checkpoint is being written:
// MNO_FAULT_CHECKPOINT_DELAY_MS holds each finished temporary file that long before its rename.
void fault_injection_pause() {
  static const long ms = [] {
    const char* v = std::getenv("MNO_FAULT_CHECKPOINT_DELAY_MS");
    return v ? std::strtol(v, nullptr, 10) : 0L;
  }();
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace

std::string parameter_signature(const torch::nn::Module& model) {
  std::string s;
  auto add = [&](const std::string& kind, const std::string& name, const torch::Tensor& t) {
    s += fmt::format("{} {} [{}]\n", kind, name, fmt::join(t.sizes(), ", "));
  };
  for (const auto& p : model.named_parameters()) add("parameter", p.key(), p.value());
  for (const auto& b : model.named_buffers()) add("buffer", b.key(), b.value());
  return s;
}

void save_checkpoint(const std::string& path, const torch::nn::Module& model, const torch::optim::Optimizer* optimizer,
                     const TrainState& state, const std::string& config_yaml) {
  write_atomically(path, [&](const std::string& tmp) {
    torch::serialize::OutputArchive archive;
    archive.write("format", scalar(kFormat));
    archive.write("config", c10::IValue(config_yaml));
    archive.write("signature", c10::IValue(parameter_signature(model)));
    archive.write("weights_crc32", c10::IValue(weights_checksums(model)));
    torch::serialize::OutputArchive weights;
    model.save(weights);
    archive.write("model", weights);
    if (optimizer) {
      torch::serialize::OutputArchive opt;
      optimizer->save(opt);
      archive.write("optimizer", opt);
      for (auto& [key, gen] : generators()) {
        std::lock_guard<std::mutex> lock(gen.mutex());
        archive.write(key, gen.get_state());
      }
    }
    archive.write("epoch", scalar(state.epoch));
    archive.write("batch", scalar(state.batch));
    archive.write("step", scalar(state.step));
    archive.write("epoch_loss_sum", scalar(state.epoch_loss_sum));
    archive.write("seconds", scalar(state.seconds));
    archive.write("best_metric", scalar(state.best_metric));
    archive.write("best_epoch", scalar(state.best_epoch));
    archive.write("log_csv", c10::IValue(state.log_csv));
    // Serialised in memory first: LibTorch's file writer throws from its destructor when a write
    // fails (a full disk ended the process), so the file is written here, where failure is an error.
    std::ostringstream bytes;
    archive.save_to(bytes);
    const std::string data = bytes.str();
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    check(static_cast<bool>(out), "cannot write checkpoint '{}' (disk full or a file-size limit?); the previous "
          "checkpoint is kept", path);
    out.close();
    fault_injection_pause();
  });
}

LoadedCheckpoint load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer) {
  check(std::filesystem::exists(path), "checkpoint '{}' does not exist", path);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error&) {
    throw Error(fmt::format("{}: not an mno checkpoint (LibTorch cannot read it)", path));
  }
  verify_zip_crcs(path);  // LibTorch's reader does not check them
  LoadedCheckpoint out;
  std::string signature;
  try {
    torch::Tensor format;
    archive.read("format", format);
    check(format.item<int64_t>() == kFormat, "{}: checkpoint format {}, this mno reads format {}", path,
          format.item<int64_t>(), kFormat);
    out.config_yaml = read_string(archive, "config");
    signature = read_string(archive, "signature");
  } catch (const c10::Error&) {
    throw Error(fmt::format("{}: not an mno checkpoint (no format/config/signature entries)", path));
  }
  const std::string diff = first_difference(signature, parameter_signature(model));
  check(diff.empty(), "{}: checkpoint of a different model: {}", path, diff);

  const torch::Device device = model.parameters().empty() ? torch::Device(torch::kCPU) : model.parameters().front().device();
  torch::serialize::InputArchive weights;
  archive.read("model", weights);
  model.load(weights);
  model.to(device);
  check_weights(path, archive, model);
  auto read_double = [&](const char* key) {
    torch::Tensor t;
    archive.read(key, t);
    return t.item<double>();
  };
  auto read_int = [&](const char* key) {
    torch::Tensor t;
    archive.read(key, t);
    return t.item<int64_t>();
  };
  out.state.epoch = read_int("epoch");
  out.state.batch = read_int("batch");
  out.state.step = read_int("step");
  out.state.epoch_loss_sum = read_double("epoch_loss_sum");
  out.state.seconds = read_double("seconds");
  out.state.best_metric = read_double("best_metric");
  out.state.best_epoch = read_int("best_epoch");
  out.state.log_csv = read_string(archive, "log_csv");
  if (optimizer) {
    torch::serialize::InputArchive opt;
    check(archive.try_read("optimizer", opt), "{}: holds no optimiser state (a weights-only checkpoint cannot be resumed)",
          path);
    optimizer->load(opt);
    move_optimizer_state(*optimizer);
    for (auto& [key, gen] : generators()) {
      torch::Tensor state;
      if (!archive.try_read(key, state)) continue;  // a CPU run resumed on a CUDA machine
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_state(state);
    }
  }
  return out;
}

}  // namespace mno::train
