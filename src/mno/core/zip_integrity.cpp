#include "mno/core/zip_integrity.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <vector>

#include "mno/core/error.h"

namespace mno {
namespace {

// Record signatures and fixed sizes of the zip format (PKWARE APPNOTE 4.3).
constexpr uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50, kEnd = 0x06054b50;
constexpr uint32_t kEnd64 = 0x06064b50, kEnd64Locator = 0x07064b50;
constexpr size_t kLocalHeaderSize = 30, kCentralHeaderSize = 46, kEndSize = 22, kEnd64LocatorSize = 20;
constexpr uint16_t kStored = 0, kDeflated = 8, kZip64Extra = 0x0001;

uint64_t le(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

class ZipFile {
 public:
  explicit ZipFile(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    check(static_cast<bool>(in_), "{}: cannot open it to check its integrity", path);
    in_.seekg(0, std::ios::end);
    size_ = static_cast<uint64_t>(in_.tellg());
  }

  [[noreturn]] void corrupt(const std::string& what) const {
    throw Error(fmt::format("{}: {}: the file is corrupt or truncated", path_, what));
  }

  std::vector<unsigned char> read(uint64_t offset, uint64_t bytes) {
    if (offset > size_ || bytes > size_ - offset)
      corrupt(fmt::format("a zip record at byte {} runs past the end of the file ({} bytes)", offset, size_));
    std::vector<unsigned char> buffer(bytes);
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(bytes));
    check(static_cast<bool>(in_), "{}: read error at byte {}", path_, offset);
    return buffer;
  }

  // Feeds `bytes` bytes from `offset` to consume(chunk, length), a megabyte at a time.
  template <typename Consume>
  void stream(uint64_t offset, uint64_t bytes, Consume consume) {
    if (offset > size_ || bytes > size_ - offset)
      corrupt(fmt::format("an entry's data at byte {} runs past the end of the file", offset));
    std::vector<unsigned char> buffer(std::min<uint64_t>(bytes, uint64_t(1) << 20));
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(offset));
    for (uint64_t left = bytes; left > 0;) {
      const uint64_t n = std::min<uint64_t>(left, buffer.size());
      in_.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(n));
      check(static_cast<bool>(in_), "{}: read error at byte {}", path_, offset + (bytes - left));
      consume(buffer.data(), n);
      left -= n;
    }
  }

  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ifstream in_;
  uint64_t size_ = 0;
};

struct Directory {
  uint64_t entries = 0, offset = 0, size = 0;
};

// The end-of-central-directory record is the last 22 bytes plus a comment of up to 64 KiB.
Directory find_directory(ZipFile& zip) {
  if (zip.size() < kEndSize) zip.corrupt("too short to be a zip archive");
  const uint64_t tail = std::min<uint64_t>(zip.size(), kEndSize + 0xFFFF);
  const std::vector<unsigned char> end = zip.read(zip.size() - tail, tail);
  for (uint64_t at = tail - kEndSize + 1; at-- > 0;) {
    const unsigned char* p = end.data() + at;
    if (le(p, 4) != kEnd) continue;
    Directory d{le(p + 10, 2), le(p + 16, 4), le(p + 12, 4)};
    if (d.entries == 0xFFFF || d.offset == 0xFFFFFFFF || d.size == 0xFFFFFFFF) {
      const uint64_t record = zip.size() - tail + at;
      if (record < kEnd64LocatorSize) zip.corrupt("a zip64 archive without its zip64 locator");
      const std::vector<unsigned char> locator = zip.read(record - kEnd64LocatorSize, kEnd64LocatorSize);
      if (le(locator.data(), 4) != kEnd64Locator) zip.corrupt("a zip64 archive without its zip64 locator");
      const std::vector<unsigned char> end64 = zip.read(le(locator.data() + 8, 8), 56);
      if (le(end64.data(), 4) != kEnd64) zip.corrupt("the zip64 end record is missing");
      d = {le(end64.data() + 32, 8), le(end64.data() + 48, 8), le(end64.data() + 40, 8)};
    }
    return d;
  }
  zip.corrupt("no zip end-of-central-directory record");
}

struct Entry {
  std::string name;
  uint16_t method = 0;
  uint32_t crc = 0;
  uint64_t compressed = 0, uncompressed = 0, local_header = 0;
};

// Reads one central-directory record at `p` (with `available` bytes left); sizes and offsets of
// 0xFFFFFFFF are in its zip64 extra field, in this order.
Entry parse_entry(ZipFile& zip, const unsigned char* p, uint64_t available, uint64_t& record_size) {
  if (available < kCentralHeaderSize || le(p, 4) != kCentralHeader) zip.corrupt("a central-directory record is damaged");
  Entry e;
  e.method = static_cast<uint16_t>(le(p + 10, 2));
  e.crc = static_cast<uint32_t>(le(p + 16, 4));
  e.compressed = le(p + 20, 4);
  e.uncompressed = le(p + 24, 4);
  const uint64_t name_size = le(p + 28, 2), extra_size = le(p + 30, 2), comment_size = le(p + 32, 2);
  e.local_header = le(p + 42, 4);
  record_size = kCentralHeaderSize + name_size + extra_size + comment_size;
  if (record_size > available) zip.corrupt("a central-directory record runs past the directory");
  e.name.assign(reinterpret_cast<const char*>(p + kCentralHeaderSize), name_size);
  const unsigned char* extra = p + kCentralHeaderSize + name_size;
  for (uint64_t at = 0; at + 4 <= extra_size;) {
    const uint64_t id = le(extra + at, 2), size = le(extra + at + 2, 2);
    if (at + 4 + size > extra_size) break;
    if (id == kZip64Extra) {
      const unsigned char* field = extra + at + 4;
      uint64_t used = 0;
      for (uint64_t* value : {&e.uncompressed, &e.compressed, &e.local_header})
        if (*value == 0xFFFFFFFF && used + 8 <= size) {
          *value = le(field + used, 8);
          used += 8;
        }
    }
    at += 4 + size;
  }
  return e;
}

// CRC-32 of the entry's uncompressed bytes.
uint32_t crc_of(ZipFile& zip, const Entry& e, uint64_t data_offset) {
  uLong crc = crc32(0L, Z_NULL, 0);
  if (e.method == kStored) {
    if (e.compressed != e.uncompressed)
      zip.corrupt(fmt::format("entry '{}' is stored with two different sizes ({} and {})", e.name, e.compressed,
                              e.uncompressed));
    zip.stream(data_offset, e.compressed, [&](const unsigned char* p, uint64_t n) {
      crc = crc32_z(crc, p, static_cast<z_size_t>(n));
    });
    return static_cast<uint32_t>(crc);
  }
  check(e.method == kDeflated, "{}: entry '{}' uses zip compression method {}, which mno cannot check (expected "
        "stored, 0, or deflated, 8)", zip.path(), e.name, e.method);
  z_stream z{};
  check(inflateInit2(&z, -MAX_WBITS) == Z_OK, "zlib: cannot start inflating");
  std::vector<unsigned char> out(uint64_t(1) << 20);
  int status = Z_OK;
  try {
    zip.stream(data_offset, e.compressed, [&](const unsigned char* p, uint64_t n) {
      z.next_in = const_cast<unsigned char*>(p);
      z.avail_in = static_cast<uInt>(n);
      while (z.avail_in > 0 && status != Z_STREAM_END) {
        z.next_out = out.data();
        z.avail_out = static_cast<uInt>(out.size());
        status = inflate(&z, Z_NO_FLUSH);
        if (status != Z_OK && status != Z_STREAM_END) zip.corrupt(fmt::format("entry '{}' does not inflate", e.name));
        crc = crc32_z(crc, out.data(), out.size() - z.avail_out);
      }
    });
  } catch (...) {
    inflateEnd(&z);
    throw;
  }
  inflateEnd(&z);
  return static_cast<uint32_t>(crc);
}

}  // namespace

void verify_zip_crcs(const std::string& path) {
  ZipFile zip(path);
  const Directory d = find_directory(zip);
  const std::vector<unsigned char> directory = zip.read(d.offset, d.size);
  uint64_t at = 0;
  for (uint64_t i = 0; i < d.entries; ++i) {
    uint64_t record_size = 0;
    const Entry e = parse_entry(zip, directory.data() + at, directory.size() - at, record_size);
    at += record_size;
    // The data follows the local header, whose name and extra field may differ in length from
    // the central directory's (LibTorch pads its local extra fields to align tensors).
    const std::vector<unsigned char> local = zip.read(e.local_header, kLocalHeaderSize);
    if (le(local.data(), 4) != kLocalHeader) zip.corrupt(fmt::format("entry '{}' has no local header", e.name));
    const uint64_t data_offset = e.local_header + kLocalHeaderSize + le(local.data() + 26, 2) + le(local.data() + 28, 2);
    const uint32_t computed = crc_of(zip, e, data_offset);
    if (computed != e.crc)
      throw Error(fmt::format("{}: entry '{}' fails its CRC-32 check (stored 0x{:08x}, computed 0x{:08x}): the file is "
                              "corrupt", path, e.name, e.crc, computed));
  }
}

}  // namespace mno
