#include "bench/step_trace.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <ATen/record_function.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/csrc/autograd/profiler_kineto.h>
#include <torch/torch.h>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/core/torch_compat.h"

namespace mno::bench {
namespace {

namespace kineto = torch::autograd::profiler;
namespace prof = torch::profiler::impl;

constexpr const char* kWindow = "mno::traced_steps";

// Event times: microseconds in LibTorch 1.13, nanoseconds from 2.1 (docs/libtorch.md).
double start_us(const kineto::KinetoEvent& e) {
#if MNO_TORCH_AT_LEAST(2, 1)
  return static_cast<double>(e.startNs()) / 1e3;
#else
  return static_cast<double>(e.startUs());
#endif
}
double duration_us(const kineto::KinetoEvent& e) {
#if MNO_TORCH_AT_LEAST(2, 1)
  return static_cast<double>(e.durationNs()) / 1e3;
#else
  return static_cast<double>(e.durationUs());
#endif
}

struct Interval {
  double begin, end;
  std::string name;
  uint64_t thread;
};

// Self time per op name: on each thread ops nest, so an op's self time is its duration minus
// that of the ops directly inside it.
std::map<std::string, TraceEntry> self_times(std::vector<Interval> ops, double& top_level_us) {
  std::sort(ops.begin(), ops.end(), [](const Interval& a, const Interval& b) {
    return a.thread != b.thread ? a.thread < b.thread : a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  std::map<std::string, TraceEntry> out;
  std::vector<std::pair<const Interval*, double>> stack;  // open op, its children's time so far
  const auto close = [&] {
    const auto [op, children] = stack.back();
    stack.pop_back();
    auto& e = out[op->name];
    e.name = op->name;
    e.calls += 1;
    e.total_ms += std::max(0.0, (op->end - op->begin) - children) / 1e3;
    if (stack.empty()) top_level_us += op->end - op->begin;
    else stack.back().second += op->end - op->begin;
  };
  for (const auto& op : ops) {
    while (!stack.empty() && (stack.back().first->thread != op.thread || stack.back().first->end <= op.begin)) close();
    stack.push_back({&op, 0.0});
  }
  while (!stack.empty()) close();
  return out;
}

// Total length of the union of the intervals, clipped to [begin, end].
double covered_us(std::vector<Interval> spans, double begin, double end) {
  std::sort(spans.begin(), spans.end(), [](const Interval& a, const Interval& b) { return a.begin < b.begin; });
  double covered = 0, reach = begin;
  for (const auto& s : spans) {
    const double b = std::max(s.begin, reach), e = std::min(s.end, end);
    if (e > b) covered += e - b;
    reach = std::max(reach, std::min(s.end, end));
  }
  return covered;
}

// The events as a Chrome trace ("X" events; one process for the host, one for the GPU).
std::string chrome_trace_json(const std::vector<kineto::KinetoEvent>& events) {
  nlohmann::json trace = {{"displayTimeUnit", "ms"}, {"traceEvents", nlohmann::json::array()}};
  for (const auto& e : events) {
    const bool gpu = e.deviceType() == c10::DeviceType::CUDA;
    trace["traceEvents"].push_back({{"name", e.name()}, {"ph", "X"}, {"ts", start_us(e)}, {"dur", duration_us(e)},
                                    {"pid", gpu ? "GPU" : "host"},
                                    {"tid", gpu ? static_cast<int64_t>(e.deviceResourceId()) : static_cast<int64_t>(e.startThreadId())}});
  }
  return trace.dump() + "\n";
}

}  // namespace

StepTrace trace_steps(const std::function<void()>& step, int steps, const torch::Device& device,
                      const std::string& chrome_trace_path) {
  check(steps >= 1, "bench: --trace-steps must be at least 1, found {}", steps);
  const bool cuda = device.is_cuda();
  std::set<prof::ActivityType> activities{prof::ActivityType::CPU};
  if (cuda) activities.insert(prof::ActivityType::CUDA);
  const prof::ProfilerConfig config(prof::ProfilerState::KINETO, /*report_input_shapes=*/false,
                                    /*profile_memory=*/false);
  kineto::prepareProfiler(config, activities);
  kineto::enableProfiler(config, activities);
  try {
    RECORD_USER_SCOPE(kWindow);
    for (int i = 0; i < steps; ++i) step();
    if (cuda) torch::cuda::synchronize();
  } catch (...) {
    kineto::disableProfiler();
    throw;
  }
  const auto result = kineto::disableProfiler();
  check(result != nullptr, "bench: LibTorch's profiler returned no result (is this LibTorch built with Kineto?)");

  StepTrace trace;
  trace.cuda = cuda;
  trace.steps = steps;
  double window_begin = 0, window_end = 0;
  std::vector<Interval> gpu, cpu;
  for (const auto& e : result->events()) {
    const Interval span{start_us(e), start_us(e) + duration_us(e), e.name(), e.startThreadId()};
    if (e.name() == kWindow) {
      window_begin = span.begin;
      window_end = span.end;
    } else if (e.deviceType() == c10::DeviceType::CUDA) {
      gpu.push_back(span);
    } else if (e.deviceType() == c10::DeviceType::CPU && !e.isAsync()) {
      cpu.push_back(span);
    }
  }
  check(window_end > window_begin, "bench: the profiler recorded no '{}' region; the trace cannot be summarised", kWindow);
  trace.window_ms = (window_end - window_begin) / 1e3;
  std::map<std::string, TraceEntry> by_name;
  if (cuda) {
    trace.busy_ms = covered_us(gpu, window_begin, window_end) / 1e3;
    for (const auto& k : gpu) {
      auto& entry = by_name[k.name];
      entry.name = k.name;
      entry.calls += 1;
      entry.total_ms += (k.end - k.begin) / 1e3;
    }
    trace.launches = static_cast<int64_t>(gpu.size());
  } else {
    double top_level_us = 0;
    by_name = self_times(cpu, top_level_us);
    trace.busy_ms = top_level_us / 1e3;
  }
  for (auto& [name, entry] : by_name) trace.top.push_back(entry);
  std::sort(trace.top.begin(), trace.top.end(), [](const TraceEntry& a, const TraceEntry& b) { return a.total_ms > b.total_ms; });

  if (!chrome_trace_path.empty()) {
    const auto parent = std::filesystem::path(chrome_trace_path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    const std::string tmp = chrome_trace_path + ".tmp." + std::to_string(::getpid());
    try {
      result->save(tmp);  // Kineto's own trace: with GPU streams and CPU-to-kernel flows
    } catch (const c10::Error&) {
      // A LibTorch without Kineto's trace writer (Debian's 1.13): the same events, written by us.
      write_text_atomically(tmp, chrome_trace_json(result->events()));
    }
    check(std::filesystem::exists(tmp), "bench: LibTorch's profiler wrote no trace to {}", tmp);
    std::filesystem::rename(tmp, chrome_trace_path);
  }
  return trace;
}

std::string step_trace_markdown(const StepTrace& t, const std::string& title, size_t top) {
  const double per_step = t.window_ms / t.steps;
  std::string s = fmt::format("### {}\n\n", title);
  if (t.cuda) {
    const double idle = 100.0 * (1.0 - t.busy_ms / t.window_ms);
    s += fmt::format("{:.2f} ms a step over {} traced steps; GPU busy {:.2f} ms a step, **idle {:.0f} %** of the step; "
                     "{} kernel/copy launches a step.\n\n",
                     per_step, t.steps, t.busy_ms / t.steps, idle, t.launches / t.steps);
    s += "| kernel | launches a step | ms a step | share of the step |\n|---|---:|---:|---:|\n";
  } else {
    s += fmt::format("{:.2f} ms a step over {} traced steps; {:.0f} % of it inside LibTorch ops.\n\n", per_step, t.steps,
                     100.0 * t.busy_ms / t.window_ms);
    s += "| op (self time) | calls a step | ms a step | share of the step |\n|---|---:|---:|---:|\n";
  }
  for (size_t i = 0; i < std::min(top, t.top.size()); ++i) {
    const auto& e = t.top[i];
    std::string name = e.name;
    if (name.size() > 100) name = name.substr(0, 97) + "...";
    for (auto& c : name)
      if (c == '|') c = '/';
    s += fmt::format("| `{}` | {:.1f} | {:.3f} | {:.1f} % |\n", name, static_cast<double>(e.calls) / t.steps,
                     e.total_ms / t.steps, 100.0 * e.total_ms / t.window_ms);
  }
  return s + "\n";
}

}  // namespace mno::bench
