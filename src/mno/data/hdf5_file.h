#pragma once
// A small RAII layer over the HDF5 C API: exactly what PDEBench files need (float datasets,
// hyperslab reads, groups, scalar/string attributes), with every failure turned into an
// mno::Error naming the file and the dataset. HDF5's own error stack printing is switched off:
// our messages say what went wrong in the user's terms.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mno/data/array.h"

namespace mno::data {

// One strided box of a dataset: per axis the first index, the count and the step.
struct Hyperslab {
  std::vector<uint64_t> start, count, stride;
};

enum class StoredType { float32, float64, integer, other };

class Hdf5File {
 public:
  enum class Mode { read, create };
  // Opening for read checks that the file exists and is HDF5; create truncates.
  Hdf5File(const std::string& path, Mode mode);
  ~Hdf5File();
  Hdf5File(const Hdf5File&) = delete;
  Hdf5File& operator=(const Hdf5File&) = delete;

  const std::string& path() const { return path_; }

  bool exists(const std::string& name) const;  // dataset or group, any depth ("0000/grid/x")
  bool is_group(const std::string& name) const;
  std::vector<std::string> children(const std::string& group = "/") const;  // sorted names

  Shape shape(const std::string& dataset) const;
  StoredType stored_type(const std::string& dataset) const;
  // The whole dataset / a hyperslab, converted to float by HDF5 (float32 and float64 only).
  FloatArray read(const std::string& dataset) const;
  FloatArray read(const std::string& dataset, const Hyperslab& slab) const;

  // Creates a float32 dataset (intermediate groups too). chunk empty = contiguous.
  void create_dataset(const std::string& dataset, const Shape& shape, const Shape& chunk = {});
  void write(const std::string& dataset, const FloatArray& values);  // whole dataset
  void write(const std::string& dataset, const FloatArray& values, const Hyperslab& slab);

  std::optional<double> read_double_attribute(const std::string& object, const std::string& name) const;
  void write_double_attribute(const std::string& object, const std::string& name, double value);
  void write_string_attribute(const std::string& object, const std::string& name, const std::string& value);

  // Flushes and closes a file being written, reporting what the destructor cannot: HDF5 keeps
  // data in its caches, so a full disk or a file-size limit often shows only here.
  void close();

 private:
  std::string where(const std::string& dataset) const;
  int64_t open_dataset(const std::string& dataset) const;
  std::string path_;
  int64_t file_ = -1;
};

}  // namespace mno::data
