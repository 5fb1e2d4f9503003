#include "mno/data/lzf_filter.h"

#include <cstdlib>
#include <cstring>

#include <hdf5.h>

namespace mno::data {

size_t lzf_decompress(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size) {
  size_t ip = 0, op = 0;
  while (ip < in_size) {
    const unsigned control = in[ip++];
    if (control < 32) {  // a literal run of control + 1 bytes
      const size_t run = control + 1;
      if (ip + run > in_size || op + run > out_size) return 0;
      std::memcpy(out + op, in + ip, run);
      ip += run;
      op += run;
      continue;
    }
    // A back reference: length in the top 3 bits (7 = extended by the next byte), offset in the
    // low 5 bits and the next byte. Copy byte by byte: source and destination may overlap.
    size_t length = control >> 5;
    if (length == 7) {
      if (ip >= in_size) return 0;
      length += in[ip++];
    }
    length += 2;
    if (ip >= in_size) return 0;
    const size_t offset = ((control & 0x1f) << 8) + in[ip++] + 1;
    if (offset > op || op + length > out_size) return 0;
    for (size_t k = 0; k < length; ++k, ++op) out[op] = out[op - offset];
  }
  return op;
}

namespace {

constexpr H5Z_filter_t kLzfFilterId = 32000;  // registered with The HDF Group by h5py

size_t lzf_filter(unsigned flags, size_t cd_count, const unsigned cd_values[], size_t nbytes, size_t* buf_size,
                  void** buf) {
  if (!(flags & H5Z_FLAG_REVERSE)) return 0;  // compressing is not supported: HDF5 reports failure
  // h5py stores the uncompressed chunk size as the third client value.
  const size_t out_size = cd_count >= 3 && cd_values[2] != 0 ? cd_values[2] : *buf_size;
  auto* out = static_cast<uint8_t*>(std::malloc(out_size));
  if (!out) return 0;
  const size_t written = lzf_decompress(static_cast<const uint8_t*>(*buf), nbytes, out, out_size);
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
    static const H5Z_class2_t lzf_class = {H5Z_CLASS_T_VERS, kLzfFilterId, 1, 1, "lzf (mno decoder)", nullptr, nullptr,
                                           lzf_filter};
    return H5Zregister(&lzf_class) >= 0;
  }();
  (void)registered;
}

}  // namespace mno::data
