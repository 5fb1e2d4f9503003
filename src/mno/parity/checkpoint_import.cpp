#include "mno/parity/checkpoint_import.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <variant>

#include <caffe2/serialize/inline_container.h>

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"

namespace mno::parity {
namespace {

// ---- A Python value as torch.save pickles it ------------------------------------------------
struct Value;
using ValuePtr = std::shared_ptr<Value>;
struct Global {
  std::string module, name;
  std::string full() const { return module + "." + name; }
};
struct Object {  // the result of calling a global we do not model (kept by name for errors)
  std::string type;
};
struct Mark {};
using List = std::vector<ValuePtr>;
struct Tuple {
  std::vector<ValuePtr> items;
};
using Dict = std::vector<std::pair<ValuePtr, ValuePtr>>;  // in insertion order, as Python's
struct Value {
  std::variant<std::monostate, bool, int64_t, double, std::string, torch::Tensor, List, Tuple, Dict, Global, Object,
               Mark>
      v;
};
ValuePtr make(decltype(Value::v) v) { return std::make_shared<Value>(Value{std::move(v)}); }

std::string describe(const Value& value) {
  switch (value.v.index()) {
    case 0: return "None";
    case 1: return "bool";
    case 2: return "int";
    case 3: return "float";
    case 4: return "str";
    case 5: return "tensor";
    case 6: return "list";
    case 7: return "tuple";
    case 8: return "dict";
    case 9: return "the Python global " + std::get<Global>(value.v).full();
    case 10: return "a Python object of type " + std::get<Object>(value.v).type;
    default: return "a pickle mark";
  }
}

// dtype of a torch.<Name>Storage global (what torch.save records for every tensor's storage).
std::optional<torch::Dtype> storage_dtype(const Global& g) {
  static const std::map<std::string, torch::Dtype> types = {
      {"FloatStorage", torch::kFloat},          {"DoubleStorage", torch::kDouble},
      {"HalfStorage", torch::kHalf},            {"BFloat16Storage", torch::kBFloat16},
      {"LongStorage", torch::kLong},            {"IntStorage", torch::kInt},
      {"ShortStorage", torch::kShort},          {"CharStorage", torch::kChar},
      {"ByteStorage", torch::kByte},            {"BoolStorage", torch::kBool},
      {"ComplexFloatStorage", torch::kComplexFloat}, {"ComplexDoubleStorage", torch::kComplexDouble}};
  if (g.module != "torch") return std::nullopt;
  const auto it = types.find(g.name);
  if (it == types.end()) return std::nullopt;
  return it->second;
}

// The unpickler: the opcodes of pickle protocols 2–4 that torch.save emits for state dicts.
class Unpickler {
 public:
  Unpickler(const std::string& path, caffe2::serialize::PyTorchStreamReader& archive, const char* data, size_t size)
      : path_(path), archive_(archive), data_(data), size_(size) {}

  ValuePtr run() {
    for (;;) {
      const uint8_t op = byte();
      switch (op) {
        case 0x80: byte(); break;                           // PROTO
        case 0x95: bytes(8); break;                         // FRAME (protocol 4): size, ignored
        case '.': return pop();                             // STOP
        case '(': stack_.push_back(make(Mark{})); break;    // MARK
        case 'N': stack_.push_back(make(std::monostate{})); break;
        case 0x88: stack_.push_back(make(true)); break;     // NEWTRUE
        case 0x89: stack_.push_back(make(false)); break;    // NEWFALSE
        case 'K': stack_.push_back(make(int64_t(byte()))); break;  // BININT1
        case 'M': stack_.push_back(make(int64_t(little(2)))); break;  // BININT2
        case 'J': stack_.push_back(make(int64_t(int32_t(little(4))))); break;  // BININT
        case 0x8a: {  // LONG1: n-byte little-endian two's complement
          const int n = byte();
          check(n <= 8, "{}: an integer of {} bytes in the pickle (at most 8 supported)", path_, n);
          uint64_t u = little(n);
          if (n > 0 && n < 8 && (u >> (8 * n - 1)) & 1) u |= ~uint64_t(0) << (8 * n);
          stack_.push_back(make(int64_t(u)));
          break;
        }
        case 'G': {  // BINFLOAT, big-endian
          uint64_t u = 0;
          for (int i = 0; i < 8; ++i) u = (u << 8) | byte();
          double d;
          std::memcpy(&d, &u, 8);
          stack_.push_back(make(d));
          break;
        }
        case 'X': stack_.push_back(make(text(little(4)))); break;     // BINUNICODE
        case 0x8c: stack_.push_back(make(text(byte()))); break;       // SHORT_BINUNICODE
        case 'T': stack_.push_back(make(text(little(4)))); break;     // BINSTRING
        case 'U': stack_.push_back(make(text(byte()))); break;        // SHORT_BINSTRING
        case ']': stack_.push_back(make(List{})); break;              // EMPTY_LIST
        case '}': stack_.push_back(make(Dict{})); break;              // EMPTY_DICT
        case ')': stack_.push_back(make(Tuple{})); break;             // EMPTY_TUPLE
        case 't': stack_.push_back(make(Tuple{pop_to_mark()})); break;  // TUPLE
        case 0x85: case 0x86: case 0x87: {                            // TUPLE1..3
          Tuple t;
          t.items.resize(op - 0x84);
          for (auto it = t.items.rbegin(); it != t.items.rend(); ++it) *it = pop();
          stack_.push_back(make(std::move(t)));
          break;
        }
        case 'l': stack_.push_back(make(List(pop_to_mark()))); break;  // LIST
        case 'd': {                                                    // DICT
          const auto items = pop_to_mark();
          Dict d;
          for (size_t i = 0; i + 1 < items.size(); i += 2) d.emplace_back(items[i], items[i + 1]);
          stack_.push_back(make(std::move(d)));
          break;
        }
        case 'a': {  // APPEND
          auto item = pop();
          as<List>(top(), "APPEND").push_back(item);
          break;
        }
        case 'e': {  // APPENDS
          auto items = pop_to_mark();
          auto& list = as<List>(top(), "APPENDS");
          list.insert(list.end(), items.begin(), items.end());
          break;
        }
        case 's': {  // SETITEM
          auto value = pop();
          auto key = pop();
          as<Dict>(top(), "SETITEM").emplace_back(key, value);
          break;
        }
        case 'u': {  // SETITEMS
          auto items = pop_to_mark();
          auto& dict = as<Dict>(top(), "SETITEMS");
          for (size_t i = 0; i + 1 < items.size(); i += 2) dict.emplace_back(items[i], items[i + 1]);
          break;
        }
        case 'q': memo_[byte()] = top(); break;              // BINPUT
        case 'r': memo_[little(4)] = top(); break;           // LONG_BINPUT
        case 0x94: memo_[memo_.size()] = top(); break;       // MEMOIZE
        case 'h': stack_.push_back(memo(byte())); break;     // BINGET
        case 'j': stack_.push_back(memo(little(4))); break;  // LONG_BINGET
        case 'c': {                                          // GLOBAL "module\nname\n"
          auto module = line();
          auto name = line();
          stack_.push_back(make(Global{module, name}));
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          auto name = pop();
          auto module = pop();
          stack_.push_back(make(Global{as<std::string>(module, "STACK_GLOBAL"), as<std::string>(name, "STACK_GLOBAL")}));
          break;
        }
        case 'Q': stack_.push_back(persistent(pop())); break;  // BINPERSID
        case 'R': {                                           // REDUCE
          auto args = pop();
          auto callable = pop();
          stack_.push_back(reduce(callable, as<Tuple>(args, "REDUCE").items));
          break;
        }
        case 'b': {  // BUILD: an OrderedDict's state (its _metadata); nothing we need
          pop();
          break;
        }
        case 0x81: {  // NEWOBJ
          pop();
          auto cls = pop();
          stack_.push_back(make(Object{describe(*cls)}));
          break;
        }
        default:
          throw Error(fmt::format("{}: unsupported pickle opcode 0x{:02x} at byte {} (not a torch.save state dict?)",
                                  path_, op, pos_ - 1));
      }
    }
  }

 private:
  uint8_t byte() {
    check(pos_ < size_, "{}: the pickle ends early (truncated file?)", path_);
    return static_cast<uint8_t>(data_[pos_++]);
  }
  const char* bytes(size_t n) {
    check(n <= size_ - pos_, "{}: the pickle ends early (truncated file?)", path_);
    const char* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  uint64_t little(int n) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes(n));
    uint64_t u = 0;
    for (int i = n - 1; i >= 0; --i) u = (u << 8) | p[i];
    return u;
  }
  std::string text(size_t n) { return std::string(bytes(n), n); }
  std::string line() {
    std::string s;
    for (char c = static_cast<char>(byte()); c != '\n'; c = static_cast<char>(byte())) s += c;
    return s;
  }
  ValuePtr pop() {
    check(!stack_.empty(), "{}: malformed pickle (stack underflow)", path_);
    auto v = stack_.back();
    stack_.pop_back();
    return v;
  }
  ValuePtr& top() {
    check(!stack_.empty(), "{}: malformed pickle (empty stack)", path_);
    return stack_.back();
  }
  std::vector<ValuePtr> pop_to_mark() {
    std::vector<ValuePtr> items;
    for (;;) {
      auto v = pop();
      if (std::holds_alternative<Mark>(v->v)) break;
      items.push_back(v);
    }
    return {items.rbegin(), items.rend()};
  }
  ValuePtr memo(uint64_t key) {
    const auto it = memo_.find(key);
    check(it != memo_.end(), "{}: malformed pickle (memo entry {} missing)", path_, key);
    return it->second;
  }
  template <typename T>
  T& as(const ValuePtr& value, const char* where) {
    auto* p = std::get_if<T>(&value->v);
    if (!p) throw Error(fmt::format("{}: unexpected {} in the pickle at {} (not a torch.save state dict?)", path_,
                                    describe(*value), where));
    return *p;
  }

  // ('storage', torch.<T>Storage, key, location, numel): the bytes of record data/<key>.
  ValuePtr persistent(const ValuePtr& pid) {
    const auto& items = as<Tuple>(pid, "a persistent id").items;
    check(items.size() >= 5 && std::holds_alternative<std::string>(items[0]->v) &&
              std::get<std::string>(items[0]->v) == "storage",
          "{}: a persistent id that is not a tensor storage", path_);
    const auto& type = as<Global>(items[1], "a storage type");
    const auto dtype = storage_dtype(type);
    check(dtype.has_value(), "{}: a tensor storage of unsupported type {}", path_, type.full());
    const auto key = as<std::string>(items[2], "a storage key");
    const int64_t numel = as<int64_t>(items[4], "a storage size");
    auto found = storages_.find(key);
    if (found != storages_.end()) return found->second;
    const std::string record = "data/" + key;
    check(archive_.hasRecord(record), "{}: the archive has no record {} (truncated file?)", path_, record);
    auto [ptr, nbytes] = archive_.getRecord(record);
    auto storage = torch::empty({numel}, torch::TensorOptions().dtype(*dtype));
    check(static_cast<size_t>(storage.nbytes()) == nbytes, "{}: record {} holds {} bytes, expected {} ({} x {})",
          path_, record, nbytes, storage.nbytes(), numel, c10::toString(*dtype));
    if (nbytes) std::memcpy(storage.data_ptr(), ptr.get(), nbytes);
    auto value = make(storage);
    storages_.emplace(key, value);
    return value;
  }

  ValuePtr reduce(const ValuePtr& callable, const std::vector<ValuePtr>& args) {
    if (!std::holds_alternative<Global>(callable->v)) return make(Object{describe(*callable)});
    const auto g = std::get<Global>(callable->v);
    const auto name = g.full();
    if (name == "collections.OrderedDict") return make(Dict{});
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
      check(args.size() >= 4, "{}: {} with {} arguments", path_, name, args.size());
      const auto& storage = as<torch::Tensor>(args[0], name.c_str());
      const auto offset = as<int64_t>(args[1], name.c_str());
      std::vector<int64_t> sizes, strides;
      for (const auto& s : as<Tuple>(args[2], name.c_str()).items) sizes.push_back(as<int64_t>(s, name.c_str()));
      for (const auto& s : as<Tuple>(args[3], name.c_str()).items) strides.push_back(as<int64_t>(s, name.c_str()));
      check(sizes.size() == strides.size(), "{}: a tensor with {} sizes and {} strides", path_, sizes.size(),
            strides.size());
      int64_t last = offset;
      for (size_t i = 0; i < sizes.size(); ++i) {
        if (sizes[i] == 0) last = -1;
        if (last >= 0) last += (sizes[i] - 1) * strides[i];
      }
      check(last < storage.numel(), "{}: a tensor reaches element {} of a storage of {}", path_, last,
            storage.numel());
      return make(storage.as_strided(sizes, strides, offset).clone());
    }
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
      check(!args.empty(), "{}: {} without arguments", path_, name);
      return make(as<torch::Tensor>(args[0], name.c_str()));
    }
    if (name == "torch._tensor._rebuild_from_type_v2" || name == "torch._tensor._rebuild_from_type") {
      // (func, type, args, state): a tensor subclass (e.g. Parameter) rebuilt by func(*args).
      check(args.size() >= 3, "{}: {} with {} arguments", path_, name, args.size());
      return reduce(args[0], as<Tuple>(args[2], name.c_str()).items);
    }
    return make(Object{name});
  }

  std::string path_;
  caffe2::serialize::PyTorchStreamReader& archive_;
  const char* data_;
  size_t size_, pos_ = 0;
  std::vector<ValuePtr> stack_;
  std::map<uint64_t, ValuePtr> memo_;
  std::map<std::string, ValuePtr> storages_;
};

ValuePtr read_pickle(const std::string& path) {
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> archive;
  try {
    archive = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
  } catch (const c10::Error& e) {
    std::string why = e.what_without_backtrace();
    if (why.find("open") != std::string::npos && why.find("file") != std::string::npos)
      throw Error(fmt::format("{}: cannot open the file ({})", path, why));
    throw Error(fmt::format(
        "{}: not a PyTorch zip checkpoint (torch.save since PyTorch 1.6 writes a zip archive; a legacy "
        "or truncated file cannot be read): {}",
        path, why));
  }
  if (archive->hasRecord("byteorder")) {
    auto [ptr, n] = archive->getRecord("byteorder");
    const std::string order(static_cast<const char*>(ptr.get()), n);
    check(order == "little", "{}: tensors stored {}-endian; only little-endian files are supported", path, order);
  }
  check(archive->hasRecord("data.pkl"), "{}: the archive has no data.pkl (not a torch.save file?)", path);
  try {
    auto [ptr, n] = archive->getRecord("data.pkl");
    Unpickler unpickler(path, *archive, static_cast<const char*>(ptr.get()), n);
    return unpickler.run();
  } catch (const c10::Error& e) {
    throw Error(fmt::format("{}: reading the archive failed (truncated file?): {}", path, e.what_without_backtrace()));
  }
}

std::string key_text(const Value& key) {
  if (const auto* s = std::get_if<std::string>(&key.v)) return *s;
  if (const auto* i = std::get_if<int64_t>(&key.v)) return std::to_string(*i);
  return "<" + describe(key) + ">";
}

// A dict whose values are all tensors (a state dict), as NamedTensors; otherwise nullopt.
std::optional<NamedTensors> as_state_dict(const Value& value) {
  const auto* dict = std::get_if<Dict>(&value.v);
  if (!dict || dict->empty()) return std::nullopt;
  NamedTensors out;
  for (const auto& [k, v] : *dict) {
    const auto* t = std::get_if<torch::Tensor>(&v->v);
    if (!t) return std::nullopt;
    out.emplace_back(key_text(*k), *t);
  }
  return out;
}

// The first value under a state-dict key, searched breadth-first.
std::optional<NamedTensors> find_state_dict(const Value& value, int depth) {
  if (auto sd = as_state_dict(value)) return sd;
  const auto* dict = std::get_if<Dict>(&value.v);
  if (!dict || depth > 3) return std::nullopt;
  for (const char* wanted : {"state_dict", "model_state_dict", "model", "net", "network"})
    for (const auto& [k, v] : *dict)
      if (key_text(*k) == wanted)
        if (auto sd = find_state_dict(*v, depth + 1)) return sd;
  return std::nullopt;
}

// Why a dict is not a state dict: the first non-tensor entry, for the error message.
std::string first_non_tensor(const Value& value) {
  const auto* dict = std::get_if<Dict>(&value.v);
  if (!dict) return fmt::format("the file holds {}, not a dict", describe(value));
  if (dict->empty()) return "the file holds an empty dict";
  std::vector<std::string> keys;
  for (const auto& [k, v] : *dict) {
    if (!std::holds_alternative<torch::Tensor>(v->v))
      return fmt::format("entry '{}' is {}, not a tensor (top-level keys: {})", key_text(*k), describe(*v),
                         [&] {
                           std::string s;
                           for (const auto& [k2, v2] : *dict) s += (s.empty() ? "" : ", ") + key_text(*k2);
                           return s;
                         }());
  }
  return "";
}

void flatten(const Value& value, const std::string& prefix, NamedTensors& tensors,
             std::vector<std::pair<std::string, std::string>>& strings) {
  if (const auto* t = std::get_if<torch::Tensor>(&value.v)) {
    tensors.emplace_back(prefix, *t);
  } else if (const auto* s = std::get_if<std::string>(&value.v)) {
    strings.emplace_back(prefix, *s);
  } else if (const auto* d = std::get_if<Dict>(&value.v)) {
    for (const auto& [k, v] : *d) flatten(*v, prefix.empty() ? key_text(*k) : prefix + "." + key_text(*k), tensors, strings);
  }
}

}  // namespace

NamedTensors read_torch_state_dict(const std::string& path) {
  const auto root = read_pickle(path);
  if (auto sd = find_state_dict(*root, 0)) return *sd;
  throw Error(fmt::format(
      "{}: no state dict found: {}; expected a dict of tensors (torch.save(model.state_dict())) or one under "
      "'state_dict', 'model_state_dict', 'model', 'net' or 'network'",
      path, first_non_tensor(*root)));
}

NamedTensors read_authors_checkpoint(const std::vector<std::string>& parts, const std::vector<std::string>& files) {
  check(parts.size() == files.size(), "read_authors_checkpoint: {} parts but {} files", parts.size(), files.size());
  NamedTensors all;
  for (size_t i = 0; i < parts.size(); ++i)
    for (auto& [name, tensor] : read_torch_state_dict(files[i]))
      all.emplace_back(parts[i].empty() ? name : parts[i] + "." + name, tensor);
  return all;
}

TorchFileEntries read_torch_entries(const std::string& path) {
  TorchFileEntries entries;
  flatten(*read_pickle(path), "", entries.tensors, entries.strings);
  return entries;
}

NamedTensors map_authors_tensors(const NamedTensors& ours, const NamedTensors& authors, const NameTable& table,
                                 const std::string& what, bool allow_unused) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < authors.size(); ++i) index.emplace(authors[i].first, i);
  // Rows of each authors' tensor used so far (a tensor used whole counts all its rows).
  std::vector<std::vector<char>> used(authors.size());
  for (size_t i = 0; i < authors.size(); ++i)
    used[i].assign(authors[i].second.dim() ? std::max<int64_t>(authors[i].second.size(0), 1) : 1, 0);
  const CompiledNameTable rules(table);

  NamedTensors mapped;
  for (const auto& [name, mine] : ours) {
    const auto match = rules.match(name, mine, what);
    const auto& joined = match.authors;
    std::vector<torch::Tensor> pieces;
    for (const auto& piece : parse_joined_names(joined, what)) {
      const auto it = index.find(piece.name);
      if (it == index.end())
        throw Error(fmt::format("{}: the checkpoint has no '{}' (our '{}' {}); is it a checkpoint of this host, "
                                "mixer and depth?",
                                what, piece.name, name, compat::shape_str(mine)));
      auto tensor = authors[it->second].second;
      auto& rows = used[it->second];
      int64_t row0 = 0, row1 = static_cast<int64_t>(rows.size());
      if (piece.chunks) {
        const int64_t n = tensor.dim() ? tensor.size(0) : 0;
        if (n % piece.chunks)
          throw Error(fmt::format("{}: '{}' {} does not split into {} equal chunks (our '{}' {})", what, piece.name,
                                  compat::shape_str(tensor), piece.chunks, name, compat::shape_str(mine)));
        const int64_t per = n / piece.chunks;
        row0 = piece.first * per, row1 = (piece.last + 1) * per;
        tensor = tensor.narrow(0, row0, row1 - row0);
      }
      for (int64_t i = row0; i < row1; ++i) {
        if (rows[i]) throw Error(fmt::format("{}: '{}' would be used twice (a bug in mno's name table)", what, piece.name));
        rows[i] = 1;
      }
      pieces.push_back(tensor);
    }
    // Pieces one rank below ours are stacked (per-head modules -> our [heads, ...] tensor), others
    // concatenated along dim 0 (separate projections -> our fused one).
    const bool stack = pieces.size() > 1 && pieces[0].dim() + 1 == mine.dim();
    auto tensor = pieces.size() == 1 ? pieces[0] : stack ? torch::stack(pieces, 0) : torch::cat(pieces, 0);
    if (tensor.sizes() != mine.sizes())
      throw Error(fmt::format("{}: '{}' has shape {} in the checkpoint, expected {} for our '{}' (another width, "
                              "heads or dataset?)",
                              what, joined, compat::shape_str(tensor), compat::shape_str(mine), name));
    // The authors' column order where their pipeline feeds this layer differently (positions).
    if (!match.columns.empty()) tensor = tensor.index_select(1, torch::tensor(match.columns, torch::kLong));
    if (!match.rows.empty()) tensor = tensor.index_select(0, torch::tensor(match.rows, torch::kLong));
    mapped.emplace_back(name, tensor);
  }
  if (!allow_unused)
    for (size_t i = 0; i < authors.size(); ++i) {
      const auto& rows = used[i];
      if (std::all_of(rows.begin(), rows.end(), [](char c) { return c; })) continue;
      if (rules.is_derived(authors[i].first)) continue;
      throw Error(fmt::format("{}: unexpected '{}' {} in the checkpoint: this config's model has no such tensor "
                              "(another host, mixer or depth?)",
                              what, authors[i].first, compat::shape_str(authors[i].second)));
    }
  return mapped;
}

void load_authors_state(torch::nn::Module& model, const NamedTensors& authors, const NameTable& table,
                        const std::string& what) {
  NamedTensors ours;
  for (const auto& p : model.named_parameters()) ours.emplace_back(p.key(), p.value());
  for (const auto& b : model.named_buffers()) ours.emplace_back(b.key(), b.value());
  const auto mapped = map_authors_tensors(ours, authors, table, what);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < mapped.size(); ++i) {
    const auto& mine = ours[i].second;
    if (!mapped[i].second.is_floating_point() && mine.is_floating_point())
      throw Error(fmt::format("{}: '{}' holds {} values, expected floating point", what, mapped[i].first,
                              c10::toString(mapped[i].second.scalar_type())));
    ours[i].second.copy_(mapped[i].second.to(mine.dtype()));
  }
}

}  // namespace mno::parity
