#pragma once
// Progress of long work (generation, training, evaluation, benchmarks; docs/architecture.md).
// On a terminal: one redrawn bar with rate and ETA. Elsewhere (CI, logs): a plain line at every
// 10% and at the end, so logs stay short and readable.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace mno {

class Progress {
 public:
  enum class Style { automatic, bar, lines };

  Progress(std::string label, int64_t total, Style style = Style::automatic, std::FILE* out = stderr);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Records `n` more units of work done; `status` is shown after the counts (e.g. "loss 0.031").
  void advance(int64_t n = 1, const std::string& status = "");
  // Prints the final line (idempotent; also called by the destructor).
  void finish(const std::string& status = "");

  int64_t done() const { return done_; }

 private:
  void print(const std::string& status, bool final_line);
  std::string label_;
  int64_t total_;
  int64_t done_ = 0;
  int last_decile_ = 0;
  bool bar_;
  bool finished_ = false;
  std::FILE* out_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1:02:03" or "02:03".
std::string format_duration(double seconds);

}  // namespace mno
