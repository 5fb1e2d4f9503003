#include "mno/parity/safetensors_writer.h"

#include <fstream>

#include "mno/core/error.h"

namespace mno::parity {
namespace {

std::string dtype_name(torch::Dtype dtype, const std::string& name) {
  switch (dtype) {
    case torch::kFloat: return "F32";
    case torch::kDouble: return "F64";
    case torch::kHalf: return "F16";
    case torch::kBFloat16: return "BF16";
    case torch::kLong: return "I64";
    case torch::kInt: return "I32";
    case torch::kShort: return "I16";
    case torch::kChar: return "I8";
    case torch::kByte: return "U8";
    case torch::kBool: return "BOOL";
    default:
      throw Error(fmt::format("'{}': tensors of type {} have no safetensors dtype", name, c10::toString(dtype)));
  }
}

// A JSON string literal (names are ASCII in practice; quotes, backslashes and control characters
// are escaped all the same).
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += std::string("\\") + c;
    else if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<int>(c));
    else out += c;
  }
  return out + "\"";
}

}  // namespace

std::string safetensors_header(const NamedTensors& tensors) {
  std::string json = "{";
  size_t offset = 0;
  for (const auto& [name, t] : tensors) {
    std::string shape;
    for (const auto d : t.sizes()) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    const size_t end = offset + static_cast<size_t>(t.nbytes());
    json += fmt::format("{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}},", json_string(name),
                        dtype_name(t.scalar_type(), name), shape, offset, end);
    offset = end;
  }
  json += "\"__metadata__\":{\"format\":\"pt\"}}";
  // The data that follows starts 8-byte aligned, as the safetensors library writes it.
  json.append((8 - json.size() % 8) % 8, ' ');
  return json;
}

void write_safetensors(const std::string& path, const NamedTensors& tensors) {
  const uint16_t probe = 1;
  check(*reinterpret_cast<const uint8_t*>(&probe) == 1,
        "cannot write '{}': safetensors files are little-endian and this machine is big-endian", path);
  const std::string header = safetensors_header(tensors);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  check(static_cast<bool>(file), "cannot write '{}': cannot open it for writing", path);
  uint64_t n = header.size();
  char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  file.write(length, 8);
  file.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (const auto& [name, t] : tensors) {
    const auto bytes = t.detach().to(torch::kCPU).contiguous();
    file.write(static_cast<const char*>(bytes.data_ptr()), static_cast<std::streamsize>(bytes.nbytes()));
  }
  file.flush();
  check(static_cast<bool>(file), "cannot write '{}': the write failed (disk full?)", path);
}

}  // namespace mno::parity
