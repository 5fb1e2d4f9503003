#pragma once
// A dense row-major float32 array with a shape: what PDEBench files hold and what the generators
// make. Plain std::vector so that data IO and the solvers build without LibTorch (the tensor
// hand-off lives in batch code only).
#include <cstddef>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mno::data {

using Shape = std::vector<size_t>;

inline size_t element_count(const Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), size_t{1}, [](size_t a, size_t b) { return a * b; });
}

inline std::string shape_string(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ",")); }

struct FloatArray {
  Shape shape;
  std::vector<float> values;

  FloatArray() = default;
  explicit FloatArray(Shape s) : shape(std::move(s)), values(element_count(shape), 0.0f) {}

  size_t size() const { return values.size(); }
  float* data() { return values.data(); }
  const float* data() const { return values.data(); }
  // Elements per index of the leading axis (one sample, one frame...).
  size_t stride0() const { return shape.empty() ? 1 : element_count(Shape(shape.begin() + 1, shape.end())); }
};

}  // namespace mno::data
