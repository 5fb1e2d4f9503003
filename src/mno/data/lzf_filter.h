#pragma once
// PDEBench writes its diffusion-reaction file with h5py's LZF compression (filter id 32000),
// which the HDF5 library does not ship. We register our own decoder for it, so those files read
// without plugins. Decoding only: mno writes uncompressed data.
#include <cstddef>
#include <cstdint>

namespace mno::data {

// Registers the filter with HDF5 (idempotent).
void register_lzf_filter();

// Decodes one LZF block (Lehmann's format: literal runs and back references). Returns the
// number of bytes written, or 0 if the input is malformed or does not fit in `out_size`.
size_t lzf_decompress(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size);

}  // namespace mno::data
