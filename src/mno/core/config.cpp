#include "mno/core/config.h"

#include <cstdint>
#include <fstream>
#include <sstream>

#include "mno/core/error.h"

namespace mno {
namespace {

template <typename T> const char* type_name();
template <> const char* type_name<int64_t>() { return "an integer"; }
template <> const char* type_name<int>() { return "an integer"; }
template <> const char* type_name<double>() { return "a number"; }
template <> const char* type_name<bool>() { return "true or false"; }
template <> const char* type_name<std::string>() { return "a string"; }
template <> const char* type_name<std::vector<int64_t>>() { return "a list of integers"; }
template <> const char* type_name<std::vector<double>>() { return "a list of numbers"; }
template <> const char* type_name<std::vector<std::string>>() { return "a list of strings"; }

std::string describe(const YAML::Node& node) {
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "nothing";
}

std::string join_keys(const YAML::Node& map) {
  std::string keys;
  for (const auto& kv : map) keys += (keys.empty() ? "" : ", ") + kv.first.as<std::string>();
  return keys.empty() ? "(none)" : keys;
}

}  // namespace

ConfigNode::ConfigNode(YAML::Node node, std::string path, std::string source)
    : node_(std::move(node)), path_(std::move(path)), source_(std::move(source)),
      asked_(std::make_shared<std::set<std::string>>()) {}

std::string ConfigNode::path_of(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

bool ConfigNode::has(const std::string& key) const {
  asked_->insert(key);
  return node_.IsMap() && node_[key].IsDefined() && !node_[key].IsNull();
}

YAML::Node ConfigNode::value_of(const std::string& key) const {
  asked_->insert(key);
  if (!node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  return node_[key];
}

template <typename T> T ConfigNode::require(const std::string& key) const {
  YAML::Node v = value_of(key);
  if (!v.IsDefined() || v.IsNull())
    throw Error(fmt::format("{}: missing required key '{}' ({} expected)", source_, path_of(key), type_name<T>()));
  try {
    return v.as<T>();
  } catch (const YAML::Exception&) {
    throw mismatch_error(fmt::format("{}: key '{}'", source_, path_of(key)), type_name<T>(), describe(v));
  }
}

template <typename T> T ConfigNode::get(const std::string& key, const T& fallback) const {
  YAML::Node v = value_of(key);
  if (!v.IsDefined() || v.IsNull()) return fallback;
  return require<T>(key);
}

std::string ConfigNode::get_choice(const std::string& key, const std::string& fallback,
                                   const std::vector<std::string>& allowed) const {
  const auto value = get<std::string>(key, fallback);
  for (const auto& a : allowed)
    if (value == a) return value;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  throw mismatch_error(fmt::format("{}: key '{}'", source_, path_of(key)), "one of " + list, "'" + value + "'");
}

template <typename T> T ConfigNode::get_at_least(const std::string& key, const T& fallback, const T& minimum) const {
  const T value = get<T>(key, fallback);
  if (value < minimum)
    throw mismatch_error(fmt::format("{}: key '{}'", source_, path_of(key)), fmt::format("a value >= {}", minimum),
                         fmt::format("{}", value));
  return value;
}
template int64_t ConfigNode::get_at_least<int64_t>(const std::string&, const int64_t&, const int64_t&) const;
template double ConfigNode::get_at_least<double>(const std::string&, const double&, const double&) const;

ConfigNode ConfigNode::child(const std::string& key) const {
  YAML::Node v = value_of(key);
  if (!v.IsDefined() || v.IsNull())
    throw Error(fmt::format("{}: missing required section '{}'", source_, path_of(key)));
  if (!v.IsMap()) throw mismatch_error(fmt::format("{}: key '{}'", source_, path_of(key)), "a mapping", describe(v));
  return ConfigNode(v, path_of(key), source_);
}

void ConfigNode::reject_unknown_keys() const {
  if (!node_.IsMap()) return;
  std::string unknown;
  for (const auto& kv : node_) {
    const auto key = kv.first.as<std::string>();
    if (!asked_->count(key)) unknown += (unknown.empty() ? "'" : ", '") + path_of(key) + "'";
  }
  if (unknown.empty()) return;
  std::string known;
  for (const auto& k : *asked_) known += (known.empty() ? "" : ", ") + k;
  throw Error(fmt::format("{}: unknown key {} (known keys{}: {})", source_, unknown,
                          path_.empty() ? "" : " under '" + path_ + "'", known.empty() ? "(none)" : known));
}

#define MNO_CONFIG_INSTANTIATE(T)                                     \
  template T ConfigNode::require<T>(const std::string&) const;       \
  template T ConfigNode::get<T>(const std::string&, const T&) const;
MNO_CONFIG_INSTANTIATE(int64_t)
MNO_CONFIG_INSTANTIATE(int)
MNO_CONFIG_INSTANTIATE(double)
MNO_CONFIG_INSTANTIATE(bool)
MNO_CONFIG_INSTANTIATE(std::string)
MNO_CONFIG_INSTANTIATE(std::vector<int64_t>)
MNO_CONFIG_INSTANTIATE(std::vector<double>)
MNO_CONFIG_INSTANTIATE(std::vector<std::string>)
#undef MNO_CONFIG_INSTANTIATE

Config::Config(YAML::Node root, std::string source) : root_(std::move(root)), source_(std::move(source)) {}

Config Config::load_file(const std::string& path) {
  std::ifstream in(path);
  check(static_cast<bool>(in), "cannot read config '{}': no such file or not readable", path);
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

Config Config::parse(const std::string& yaml_text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw Error(fmt::format("{}: not valid YAML: {}", source, e.what()));
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) throw mismatch_error(source, "a YAML mapping at the top level", describe(root));
  return Config(root, source);
}

void Config::apply_override(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == assignment.size())
    throw mismatch_error(fmt::format("override '{}'", assignment), "the form key.path=value", "no key or no value");
  const std::string dotted = assignment.substr(0, eq);
  const std::string value_text = assignment.substr(eq + 1);

  std::vector<std::string> parts;
  std::stringstream ss(dotted);
  for (std::string p; std::getline(ss, p, '.');) {
    if (p.empty()) throw mismatch_error(fmt::format("override '{}'", assignment), "a key path like a.b.c", "an empty key");
    parts.push_back(p);
  }

  YAML::Node node = root_;  // node handles alias the tree: reset(), never operator=, below
  std::string walked;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& key = parts[i];
    const std::string here = walked.empty() ? "the top level" : "'" + walked + "'";
    if (!node.IsMap())
      throw Error(fmt::format("override '{}': {} is not a mapping, so it has no key '{}'", assignment, here, key));
    const bool last = i + 1 == parts.size();
    // A new leaf key is allowed (a setting the file leaves at its default); the reader's
    // reject_unknown_keys() still names it if it is a typo. A missing section is an error here.
    if (!last && !node[key].IsDefined())
      throw Error(fmt::format("override '{}': unknown key '{}' in {} (keys at {}: {})", assignment, key, source_, here,
                              join_keys(node)));
    walked += (walked.empty() ? "" : ".") + key;
    if (last) {
      YAML::Node value;
      try {
        value = YAML::Load(value_text);
      } catch (const YAML::ParserException& e) {
        throw Error(fmt::format("override '{}': value is not valid YAML: {}", assignment, e.what()));
      }
      node[key] = value;
    } else {
      YAML::Node next = node[key];
      node.reset(next);
    }
  }
}

void Config::apply_overrides(const std::vector<std::string>& assignments) {
  for (const auto& a : assignments) apply_override(a);
}

ConfigNode Config::root() const { return ConfigNode(root_, "", source_); }

std::string Config::dump() const {
  YAML::Emitter out;
  out << root_;
  return std::string(out.c_str()) + "\n";
}

}  // namespace mno
