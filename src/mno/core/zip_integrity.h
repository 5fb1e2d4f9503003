#pragma once
// LibTorch archives (checkpoints, normalisers) are zip files in which every entry carries a
// CRC-32 of its bytes, but LibTorch's reader does not check them (its miniz is built without the
// CRC checks), so a changed byte inside a tensor loads silently and gives wrong numbers.
// verify_zip_crcs reads the zip's central directory itself and checks every entry's CRC-32.
#include <string>

namespace mno {

// Throws mno::Error naming `path` and the first entry whose bytes do not match its CRC-32
// ("<path>: entry 'archive/data/3' fails its CRC-32 check (stored 0x..., computed 0x...): the
// file is corrupt"), or what is malformed in the zip structure. Entries may be stored or deflated
// (LibTorch stores them); zip64 archives (over 4 GiB) are read too.
void verify_zip_crcs(const std::string& path);

}  // namespace mno
