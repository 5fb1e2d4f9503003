#pragma once
// Writing a state dict as Python's `torch.save(model.state_dict())` does, so that the MNO authors'
// code reads it with `torch.load` + `load_state_dict` (`mno export`, docs/models.md "Export"); the
// inverse of read_torch_state_dict (checkpoint_import.h).
//
// The file is PyTorch's zip format: <archive>/data.pkl (a protocol-2 pickle of a
// collections.OrderedDict whose values are tensors rebuilt by torch._utils._rebuild_tensor_v2 from
// persistent-id storages ('storage', torch.<T>Storage, key, 'cpu', numel)), <archive>/data/<key>
// (each storage's raw little-endian bytes), <archive>/byteorder and <archive>/version; entries are
// stored uncompressed with their data 64-byte aligned. The zip itself is written by LibTorch's
// PyTorchStreamWriter, the writer behind Python's torch.save; the pickle by the small writer here.
#include <string>

#include "mno/parity/checkpoint_import.h"

namespace mno::parity {

// Writes `tensors` (CPU or not, any layout; stored contiguous, in this order) to `path`, which is
// created or truncated: callers wanting a file that is never half-written go through
// write_atomically (core/atomic_file.h). Errors (mno::Error) name the path and the tensor.
void write_torch_state_dict(const std::string& path, const NamedTensors& tensors);

// The pickle alone (data.pkl), storages keyed "0", "1", ... in the order of `tensors`; for tests.
std::string torch_state_dict_pickle(const NamedTensors& tensors);

}  // namespace mno::parity
