#pragma once
// PDEBench writes its diffusion-reaction file with h5py's LZF compression (filter id 32000),
// which the HDF5 library does not ship. We register a decoder for it (liblzf, the library h5py's
// filter wraps), so those files read without plugins. Decoding only: mno writes uncompressed data.

namespace mno::data {

// Registers the filter with HDF5 (idempotent).
void register_lzf_filter();

}  // namespace mno::data
