#include "mno/data/hdf5_file.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <mutex>

#include <hdf5.h>

#include "mno/core/error.h"
#include "mno/data/lzf_filter.h"

namespace mno::data {
namespace {

// HDF5 prints its error stack to stderr by default; we report our own message instead.
void silence_hdf5() {
  static const bool once = [] {
    // No library shutdown at exit: after a failed write (disk full) HDF5's own clean-up of the
    // objects it still holds crashed the process; the operating system frees them anyway.
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    register_lzf_filter();
    return true;
  }();
  (void)once;
}

// Closes an HDF5 handle of any kind when it goes out of scope.
class Handle {
 public:
  explicit Handle(hid_t id = -1) : id_(id) {}
  ~Handle() {
    if (id_ >= 0) H5Idec_ref(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
};

// The Debian HDF5 build is not thread-safe, and a loader reads on its own prefetch thread while
// other code may read or write: every call into HDF5 goes through this one lock.
std::recursive_mutex& hdf5_mutex() {
  static std::recursive_mutex m;
  return m;
}
#define MNO_HDF5_LOCK std::lock_guard<std::recursive_mutex> hdf5_lock(hdf5_mutex())

bool link_exists(hid_t file, const std::string& name) {
  // H5Lexists fails on a missing intermediate group, so walk the path one level at a time.
  std::string partial;
  size_t pos = 0;
  while (pos <= name.size()) {
    const size_t slash = name.find('/', pos);
    const std::string part = name.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
    pos = slash == std::string::npos ? name.size() + 1 : slash + 1;
    if (part.empty()) continue;
    partial += (partial.empty() ? "" : "/") + part;
    if (H5Lexists(file, partial.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return true;
}

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}

bool looks_like_hdf5(const std::string& path) {
  return H5Fis_hdf5(path.c_str()) > 0;
}

}  // namespace

Hdf5File::Hdf5File(const std::string& path, Mode mode) : path_(path) {
  MNO_HDF5_LOCK;
  silence_hdf5();
  if (mode == Mode::read) {
    check(std::filesystem::exists(path), "{}: no such file", path);
    check(std::filesystem::is_regular_file(path), "{}: not a regular file", path);
    check(looks_like_hdf5(path), "{}: not an HDF5 file (no HDF5 signature)", path);
    file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    check(file_ >= 0, "{}: cannot be opened as HDF5 (truncated or damaged file?)", path);
  } else {
    file_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    check(file_ >= 0, "{}: cannot create HDF5 file", path);
  }
}

Hdf5File::~Hdf5File() {
  MNO_HDF5_LOCK;
  if (file_ >= 0) H5Fclose(file_);
}

void Hdf5File::close() {
  MNO_HDF5_LOCK;
  if (file_ < 0) return;
  const bool flushed = H5Fflush(file_, H5F_SCOPE_GLOBAL) >= 0;
  const bool closed = H5Fclose(file_) >= 0;
  file_ = -1;
  check(flushed && closed, "{}: cannot finish writing the file (disk full or a file-size limit?)", path_);
}

std::string Hdf5File::where(const std::string& dataset) const { return fmt::format("{}: dataset '{}'", path_, dataset); }

bool Hdf5File::exists(const std::string& name) const {
  MNO_HDF5_LOCK;
  return name == "/" || link_exists(file_, name);
}

bool Hdf5File::is_group(const std::string& name) const {
  MNO_HDF5_LOCK;
  if (!exists(name)) return false;
  H5O_info_t info;
  if (H5Oget_info_by_name(file_, name.c_str(), &info, H5P_DEFAULT) < 0) return false;
  return info.type == H5O_TYPE_GROUP;
}

std::vector<std::string> Hdf5File::children(const std::string& group) const {
  MNO_HDF5_LOCK;
  check(is_group(group), "{}: no group '{}'", path_, group);
  Handle g(H5Gopen2(file_, group.c_str(), H5P_DEFAULT));
  std::vector<std::string> names;
  hsize_t index = 0;
  H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_name, &names);
  std::sort(names.begin(), names.end());
  return names;
}

int64_t Hdf5File::open_dataset(const std::string& dataset) const {
  MNO_HDF5_LOCK;
  check(exists(dataset), "{}: missing", where(dataset));
  const hid_t id = H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT);
  check(id >= 0, "{}: not a dataset (is it a group?)", where(dataset));
  return id;
}

Shape Hdf5File::shape(const std::string& dataset) const {
  MNO_HDF5_LOCK;
  Handle d(open_dataset(dataset));
  Handle space(H5Dget_space(d.get()));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  check(rank >= 0, "{}: unreadable dataspace", where(dataset));
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return Shape(dims.begin(), dims.end());
}

StoredType Hdf5File::stored_type(const std::string& dataset) const {
  MNO_HDF5_LOCK;
  Handle d(open_dataset(dataset));
  Handle type(H5Dget_type(d.get()));
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls == H5T_INTEGER) return StoredType::integer;
  if (cls != H5T_FLOAT) return StoredType::other;
  const size_t bytes = H5Tget_size(type.get());
  if (bytes == 4) return StoredType::float32;
  if (bytes == 8) return StoredType::float64;
  return StoredType::other;
}

FloatArray Hdf5File::read(const std::string& dataset) const {
  MNO_HDF5_LOCK;
  const Shape s = shape(dataset);
  Hyperslab all;
  for (size_t d : s) {
    all.start.push_back(0);
    all.count.push_back(d);
    all.stride.push_back(1);
  }
  return read(dataset, all);
}

FloatArray Hdf5File::read(const std::string& dataset, const Hyperslab& slab) const {
  MNO_HDF5_LOCK;
  const StoredType type = stored_type(dataset);
  check(type == StoredType::float32 || type == StoredType::float64,
        "{}: expected dtype float32 or float64, found {}", where(dataset),
        type == StoredType::integer ? "an integer type" : "a non-float type");
  const Shape full = shape(dataset);
  check(slab.start.size() == full.size() && slab.count.size() == full.size() && slab.stride.size() == full.size(),
        "{}: expected a selection of rank {}, found rank {}", where(dataset), full.size(), slab.count.size());
  for (size_t d = 0; d < full.size(); ++d) {
    const uint64_t last = slab.count[d] == 0 ? 0 : slab.start[d] + (slab.count[d] - 1) * slab.stride[d];
    check(slab.stride[d] >= 1 && (slab.count[d] == 0 || last < full[d]),
          "{}: selection on axis {} (start {}, count {}, stride {}) does not fit the size {}", where(dataset), d,
          slab.start[d], slab.count[d], slab.stride[d], full[d]);
  }
  FloatArray out(Shape(slab.count.begin(), slab.count.end()));
  if (out.size() == 0) return out;
  Handle d(open_dataset(dataset));
  Handle file_space(H5Dget_space(d.get()));
  std::vector<hsize_t> start(slab.start.begin(), slab.start.end()), count(slab.count.begin(), slab.count.end()),
      stride(slab.stride.begin(), slab.stride.end());
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), stride.data(), count.data(), nullptr);
  Handle memory_space(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr));
  const herr_t status = H5Dread(d.get(), H5T_NATIVE_FLOAT, memory_space.get(), file_space.get(), H5P_DEFAULT, out.data());
  check(status >= 0, "{}: read failed (truncated file, or a compression filter this HDF5 lacks?)", where(dataset));
  return out;
}

void Hdf5File::create_dataset(const std::string& dataset, const Shape& shape, const Shape& chunk) {
  MNO_HDF5_LOCK;
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  Handle link_props(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(link_props.get(), 1);
  Handle create_props(H5Pcreate(H5P_DATASET_CREATE));
  if (!chunk.empty()) {
    std::vector<hsize_t> c(chunk.begin(), chunk.end());
    H5Pset_chunk(create_props.get(), static_cast<int>(c.size()), c.data());
  }
  // Little-endian IEEE float32: what h5py's dtype "f" / "float32" stores on every PDEBench file.
  Handle d(H5Dcreate2(file_, dataset.c_str(), H5T_IEEE_F32LE, space.get(), link_props.get(), create_props.get(),
                      H5P_DEFAULT));
  check(d.valid(), "{}: cannot create", where(dataset));
}

void Hdf5File::write(const std::string& dataset, const FloatArray& values) {
  MNO_HDF5_LOCK;
  Handle d(open_dataset(dataset));
  check(H5Dwrite(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0, "{}: write failed",
        where(dataset));
}

void Hdf5File::write(const std::string& dataset, const FloatArray& values, const Hyperslab& slab) {
  MNO_HDF5_LOCK;
  Handle d(open_dataset(dataset));
  Handle file_space(H5Dget_space(d.get()));
  std::vector<hsize_t> start(slab.start.begin(), slab.start.end()), count(slab.count.begin(), slab.count.end()),
      stride(slab.stride.begin(), slab.stride.end());
  check(element_count(Shape(slab.count.begin(), slab.count.end())) == values.size(),
        "{}: selection of {} values, given {}", where(dataset), element_count(Shape(slab.count.begin(), slab.count.end())),
        values.size());
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), stride.data(), count.data(), nullptr);
  Handle memory_space(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr));
  check(H5Dwrite(d.get(), H5T_NATIVE_FLOAT, memory_space.get(), file_space.get(), H5P_DEFAULT, values.data()) >= 0,
        "{}: write failed", where(dataset));
}

std::optional<double> Hdf5File::read_double_attribute(const std::string& object, const std::string& name) const {
  MNO_HDF5_LOCK;
  if (!exists(object)) return std::nullopt;
  if (H5Aexists_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT) <= 0) return std::nullopt;
  Handle a(H5Aopen_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  Handle type(H5Aget_type(a.get()));
  const H5T_class_t cls = H5Tget_class(type.get());
  check(cls == H5T_FLOAT || cls == H5T_INTEGER, "{}: attribute '{}' of '{}': expected a number", path_, name, object);
  double value = 0;
  check(H5Aread(a.get(), H5T_NATIVE_DOUBLE, &value) >= 0, "{}: attribute '{}' of '{}' unreadable", path_, name, object);
  return value;
}

void Hdf5File::write_double_attribute(const std::string& object, const std::string& name, double value) {
  MNO_HDF5_LOCK;
  // A scalar float64, as h5py stores a Python float (PDEBench: f.attrs["beta"] = float(...)).
  Handle space(H5Screate(H5S_SCALAR));
  Handle a(H5Acreate_by_name(file_, object.c_str(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT));
  check(a.valid() && H5Awrite(a.get(), H5T_NATIVE_DOUBLE, &value) >= 0, "{}: cannot write attribute '{}' of '{}'", path_,
        name, object);
}

void Hdf5File::write_string_attribute(const std::string& object, const std::string& name, const std::string& value) {
  MNO_HDF5_LOCK;
  // A scalar variable-length UTF-8 string, as h5py stores a Python str (PDEBench: attrs["config"]).
  Handle space(H5Screate(H5S_SCALAR));
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle a(H5Acreate_by_name(file_, object.c_str(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT,
                             H5P_DEFAULT));
  const char* text = value.c_str();
  check(a.valid() && H5Awrite(a.get(), type.get(), &text) >= 0, "{}: cannot write attribute '{}' of '{}'", path_, name,
        object);
}

}  // namespace mno::data
