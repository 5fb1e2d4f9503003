#include "mno/parity/torch_save_writer.h"

#include <cstring>
#include <fstream>
#include <limits>

#include <caffe2/serialize/inline_container.h>

#include "mno/core/error.h"

namespace mno::parity {
namespace {

// torch.<Name>Storage for a dtype: what torch.save records for each tensor's storage.
std::string storage_type(torch::Dtype dtype, const std::string& name) {
  switch (dtype) {
    case torch::kFloat: return "FloatStorage";
    case torch::kDouble: return "DoubleStorage";
    case torch::kHalf: return "HalfStorage";
    case torch::kBFloat16: return "BFloat16Storage";
    case torch::kLong: return "LongStorage";
    case torch::kInt: return "IntStorage";
    case torch::kShort: return "ShortStorage";
    case torch::kChar: return "CharStorage";
    case torch::kByte: return "ByteStorage";
    case torch::kBool: return "BoolStorage";
    case torch::kComplexFloat: return "ComplexFloatStorage";
    case torch::kComplexDouble: return "ComplexDoubleStorage";
    default:
      throw Error(fmt::format("'{}': tensors of type {} cannot be written as a torch.save storage", name,
                              c10::toString(dtype)));
  }
}

// The pickle opcodes of protocol 2 that a state dict needs (the ones torch.save emits for it).
class PickleWriter {
 public:
  PickleWriter() { out_ += "\x80\x02"; }  // PROTO 2

  void global(const std::string& module, const std::string& name) { out_ += "c" + module + "\n" + name + "\n"; }
  void mark() { out_ += '('; }
  void op(char c) { out_ += c; }
  void text(const std::string& s) {  // BINUNICODE: 4-byte little-endian length, UTF-8 bytes
    check(s.size() <= std::numeric_limits<uint32_t>::max(), "a name of {} bytes is too long to pickle", s.size());
    out_ += 'X';
    little(s.size(), 4);
    out_ += s;
  }
  void integer(int64_t v) {
    if (v >= 0 && v < 256) {
      out_ += 'K';  // BININT1
      little(static_cast<uint64_t>(v), 1);
    } else if (v >= 0 && v < 65536) {
      out_ += 'M';  // BININT2
      little(static_cast<uint64_t>(v), 2);
    } else if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
      out_ += 'J';  // BININT, signed
      little(static_cast<uint32_t>(static_cast<int32_t>(v)), 4);
    } else {
      out_ += "\x8a\x08";  // LONG1, 8 bytes two's complement
      little(static_cast<uint64_t>(v), 8);
    }
  }
  void tuple(const std::vector<int64_t>& items) {
    if (items.empty()) return op(')');  // EMPTY_TUPLE
    if (items.size() > 3) mark();
    for (const auto v : items) integer(v);
    if (items.size() > 3) return op('t');  // TUPLE
    out_ += static_cast<char>(0x84 + items.size());  // TUPLE1..3
  }
  // collections.OrderedDict(): also what torch.save writes for a tensor's (empty) backward hooks.
  void empty_ordered_dict() {
    global("collections", "OrderedDict");
    op(')');
    op('R');
  }
  std::string finish() {
    out_ += '.';  // STOP
    return std::move(out_);
  }

 private:
  void little(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_ += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  std::string out_;
};

}  // namespace

std::string torch_state_dict_pickle(const NamedTensors& tensors) {
  PickleWriter p;
  p.empty_ordered_dict();
  if (!tensors.empty()) {
    p.mark();
    for (size_t i = 0; i < tensors.size(); ++i) {
      const auto& [name, t] = tensors[i];
      p.text(name);
      // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks): a
      // contiguous tensor over the whole of its own storage.
      p.global("torch._utils", "_rebuild_tensor_v2");
      p.mark();
      p.mark();
      p.text("storage");
      p.global("torch", storage_type(t.scalar_type(), name));
      p.text(std::to_string(i));
      p.text("cpu");
      p.integer(t.numel());
      p.op('t');
      p.op('Q');  // BINPERSID
      p.integer(0);
      p.tuple(t.sizes().vec());
      std::vector<int64_t> strides(t.dim());
      int64_t stride = 1;
      for (int64_t d = t.dim() - 1; d >= 0; --d) strides[d] = stride, stride *= t.size(d);
      p.tuple(strides);
      p.op(static_cast<char>(0x89));  // NEWFALSE: requires_grad
      p.empty_ordered_dict();
      p.op('t');
      p.op('R');
    }
    p.op('u');  // SETITEMS
  }
  return p.finish();
}

void write_torch_state_dict(const std::string& path, const NamedTensors& tensors) {
  const uint16_t probe = 1;
  check(*reinterpret_cast<const uint8_t*>(&probe) == 1, "cannot write '{}': storages are written as the machine "
        "holds them and torch.save files here are little-endian; this machine is big-endian", path);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  check(static_cast<bool>(file), "cannot write '{}': cannot open it for writing", path);
  const std::string pickle = torch_state_dict_pickle(tensors);
  try {
    // The archive's top directory is "archive", as torch.save names it for a file object;
    // torch.load takes whatever name the archive has.
    caffe2::serialize::PyTorchStreamWriter zip([&file](const void* data, size_t n) -> size_t {
      file.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
      return file ? n : 0;
    });
    zip.writeRecord("data.pkl", pickle.data(), pickle.size());
    zip.writeRecord("byteorder", "little", 6);
    for (size_t i = 0; i < tensors.size(); ++i) {
      const auto bytes = tensors[i].second.detach().to(torch::kCPU).contiguous();
      zip.writeRecord("data/" + std::to_string(i), bytes.data_ptr(), bytes.nbytes());
    }
    zip.writeEndOfFile();  // the "version" record and the zip directory
  } catch (const c10::Error& e) {
    throw Error(fmt::format("cannot write '{}': {} (disk full?)", path, e.what_without_backtrace()));
  }
  file.flush();
  check(static_cast<bool>(file), "cannot write '{}': the write failed (disk full?)", path);
}

}  // namespace mno::parity
