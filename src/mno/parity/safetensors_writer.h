#pragma once
// Writing tensors in the safetensors format (`mno export --format safetensors`): an 8-byte
// little-endian header length N, N bytes of JSON {"name": {"dtype": "F32", "shape": [...],
// "data_offsets": [begin, end]}, ..., "__metadata__": {"format": "pt"}} padded with spaces to a
// multiple of 8, then the tensors' raw little-endian bytes back to back, in the order given.
#include <string>

#include "mno/parity/checkpoint_import.h"

namespace mno::parity {

// Writes `tensors` to `path` (created or truncated; use write_atomically for a file that is never
// half-written). Errors (mno::Error) name the path and the tensor.
void write_safetensors(const std::string& path, const NamedTensors& tensors);

// The JSON header alone, padded; for tests.
std::string safetensors_header(const NamedTensors& tensors);

}  // namespace mno::parity
