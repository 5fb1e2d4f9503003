#include "mno/core/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace mno {

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "--:--";
  const auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02d}:{:02d}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{:02d}:{:02d}", s / 60, s % 60);
}

Progress::Progress(std::string label, int64_t total, Style style, std::FILE* out)
    : label_(std::move(label)), total_(std::max<int64_t>(total, 1)), out_(out) {
  if (style == Style::automatic) {
    const char* forced = std::getenv("MNO_PROGRESS");
    if (forced && std::strcmp(forced, "lines") == 0) style = Style::lines;
    else if (forced && std::strcmp(forced, "bar") == 0) style = Style::bar;
    else style = ::isatty(::fileno(out)) ? Style::bar : Style::lines;
  }
  bar_ = style == Style::bar;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

Progress::~Progress() { finish(); }

void Progress::advance(int64_t n, const std::string& status) {
  if (finished_) return;
  done_ = std::min(done_ + n, total_);
  const auto now = std::chrono::steady_clock::now();
  if (bar_) {
    // Redraw at most ten times a second: drawing must never cost more than the work.
    if (now - last_draw_ >= std::chrono::milliseconds(100) || done_ == total_) {
      last_draw_ = now;
      print(status, false);
    }
    return;
  }
  const int decile = static_cast<int>(10 * done_ / total_);
  if (decile > last_decile_ && done_ < total_) {
    last_decile_ = decile;
    print(status, false);
  }
}

void Progress::finish(const std::string& status) {
  if (finished_) return;
  finished_ = true;
  print(status, true);
}

void Progress::print(const std::string& status, bool final_line) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? done_ / elapsed : 0.0;
  const double eta = rate > 0 ? (total_ - done_) / rate : -1.0;
  const int percent = static_cast<int>(100 * done_ / total_);
  std::string timing = final_line ? fmt::format("{} elapsed", format_duration(elapsed))
                                  : fmt::format("{:.3g}/s, ETA {}", rate, format_duration(eta));
  std::string tail = status.empty() ? "" : "  " + status;
  if (bar_) {
    constexpr int width = 28;
    const int filled = static_cast<int>(width * done_ / total_);
    fmt::print(out_, "\r{} [{}{}] {}/{} {:3d}%  {}{}\033[K{}", label_, std::string(filled, '#'),
               std::string(width - filled, '.'), done_, total_, percent, timing, tail, final_line ? "\n" : "");
  } else {
    fmt::print(out_, "{}: {}/{} ({}%), {}{}\n", label_, done_, total_, percent, timing, tail);
  }
  std::fflush(out_);
}

}  // namespace mno
