#include "mno/data/lzf_filter.h"

#include <climits>
#include <cstdlib>

#include <hdf5.h>
#include <lzf.h>

namespace mno::data {
namespace {

constexpr H5Z_filter_t kLzfFilterId = 32000;  // registered with The HDF Group by h5py

size_t lzf_filter(unsigned flags, size_t cd_count, const unsigned cd_values[], size_t nbytes, size_t* buf_size,
                  void** buf) {
  if (!(flags & H5Z_FLAG_REVERSE)) return 0;  // compressing is not supported: HDF5 reports failure
  // h5py stores the uncompressed chunk size as the third client value.
  const size_t out_size = cd_count >= 3 && cd_values[2] != 0 ? cd_values[2] : *buf_size;
  if (nbytes > UINT_MAX || out_size > UINT_MAX) return 0;  // liblzf counts in unsigned int
  void* out = std::malloc(out_size);
  if (!out) return 0;
  // 0: malformed input or a chunk larger than out_size; HDF5 then reports the read as failed.
  const unsigned written = lzf_decompress(*buf, static_cast<unsigned>(nbytes), out, static_cast<unsigned>(out_size));
  if (written == 0) {
    std::free(out);
    return 0;
  }
  std::free(*buf);
  *buf = out;
  *buf_size = out_size;
  return written;
}

}  // namespace

void register_lzf_filter() {
  static const bool registered = [] {
    if (H5Zfilter_avail(kLzfFilterId) > 0) return true;  // someone (a plugin) already provides it
    static const H5Z_class2_t lzf_class = {H5Z_CLASS_T_VERS, kLzfFilterId, 1, 1, "lzf (liblzf)", nullptr, nullptr,
                                           lzf_filter};
    return H5Zregister(&lzf_class) >= 0;
  }();
  (void)registered;
}

}  // namespace mno::data
