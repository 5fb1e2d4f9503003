#pragma once
// Runs make(i) for i in [0, n) on `threads` worker threads and hands each result to
// consume(i, result) on the calling thread in index order. Writers can therefore stream samples
// to one HDF5 file (HDF5 is used from one thread) while solvers run in parallel, and at most
// ~2×threads finished samples wait in memory at any time.
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace mno::data::gen {

template <typename Result, typename Make, typename Consume>
void run_ordered(size_t n, int threads, Make make, Consume consume) {
  const size_t workers = std::max<size_t>(1, std::min<size_t>(threads < 1 ? 1 : threads, n));
  const size_t window = 2 * workers;  // how far ahead of the consumer workers may run
  std::mutex mutex;
  std::condition_variable changed;
  std::map<size_t, Result> ready;
  size_t next_to_start = 0, next_to_consume = 0;
  std::exception_ptr failure;

  auto work = [&] {
    for (;;) {
      size_t i;
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return failure || next_to_start >= n || next_to_start < next_to_consume + window; });
        if (failure || next_to_start >= n) return;
        i = next_to_start++;
      }
      try {
        Result r = make(i);
        std::lock_guard<std::mutex> lock(mutex);
        ready.emplace(i, std::move(r));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!failure) failure = std::current_exception();
      }
      changed.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 0; w < workers; ++w) pool.emplace_back(work);

  try {
    while (next_to_consume < n) {
      Result r;
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return failure || ready.count(next_to_consume) > 0; });
        if (failure) break;
        auto it = ready.find(next_to_consume);
        r = std::move(it->second);
        ready.erase(it);
      }
      consume(next_to_consume, std::move(r));
      {
        std::lock_guard<std::mutex> lock(mutex);
        ++next_to_consume;
      }
      changed.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!failure) failure = std::current_exception();
  }
  changed.notify_all();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace mno::data::gen
