#include "mno/core/config.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
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

// Edit distance (insertions, deletions, substitutions, adjacent swaps): how far a typo is.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// The candidate closest to `key` when it is close enough to be a typo of it ("" otherwise).
std::string nearest(const std::string& key, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(1, std::min<size_t>(3, key.size() / 3));  // the largest accepted
  for (const auto& c : candidates) {
    const size_t distance = edit_distance(key, c);
    if (distance <= best_distance && c != key) best = c, best_distance = distance;
  }
  return best;
}

// The place of `key` under `resolved` in the resolved tree (Undefined when it has none there).
YAML::Node resolved_child(const YAML::Node& resolved, const std::string& key) {
  YAML::Node child(YAML::NodeType::Undefined);
  if (resolved.IsMap()) {
    YAML::Node tree = resolved;
    if (tree[key].IsDefined()) child.reset(tree[key]);
  }
  return child;
}

std::string join_keys(const YAML::Node& map) {
  std::string keys;
  for (const auto& kv : map) keys += (keys.empty() ? "" : ", ") + kv.first.as<std::string>();
  return keys.empty() ? "(none)" : keys;
}

// ---- values from the command line ----
// A value set by an override ("train.epochs=abc") is wrong on the command line, not in the file:
// its errors must say so. Which values came from there travels with the tree itself, as a YAML
// tag on each of their nodes, because the readers see copies of it (Config::clone(), the mixer
// defaults merged in models/host_mixer) that carry their nodes' tags and nothing else. dump()
// takes these tags off again.
const std::string kCommandLineTag = "tag:mno,command-line:";

void mark_from_command_line(YAML::Node node, const std::string& assignment) {
  node.SetTag(kCommandLineTag + assignment);
  if (node.IsMap())
    for (auto kv : node) mark_from_command_line(kv.second, assignment);
  else if (node.IsSequence())
    for (auto item : node) mark_from_command_line(item, assignment);
}

void unmark_command_line(YAML::Node node) {
  if (node.Tag().rfind(kCommandLineTag, 0) == 0) node.SetTag("?");  // "?": a plain node, emitted without a tag
  if (node.IsMap())
    for (auto kv : node) unmark_command_line(kv.second);
  else if (node.IsSequence())
    for (auto item : node) unmark_command_line(item);
}

// The override that set `value` ("train.epochs=abc"), or "" when it comes from the file.
std::string command_line_assignment(const YAML::Node& value) {
  if (!value.IsDefined()) return "";  // an absent key (a lookup on a const node has no tag to read)
  const std::string& tag = value.Tag();
  return tag.rfind(kCommandLineTag, 0) == 0 ? tag.substr(kCommandLineTag.size()) : "";
}

// Where a value is, for its error: "FILE: key 'a.b'", or "a.b=abc (command line)" for an override.
std::string where_is(const YAML::Node& value, const std::string& dotted, const std::string& source) {
  const std::string assignment = command_line_assignment(value);
  if (assignment.empty()) return fmt::format("{}: key '{}'", source, dotted);
  if (assignment.substr(0, assignment.find('=')) == dotted) return assignment + " (command line)";
  return fmt::format("{} (command line): key '{}'", assignment, dotted);  // inside a mapping set on the command line
}

// yaml-cpp keeps both entries of a key written twice in one mapping and lookups find the first, so
// the second would be silently ignored: an error naming the key and both lines instead.
// `with_lines`: the node was parsed from the file, whose line numbers its marks hold.
void reject_duplicate_keys(const YAML::Node& node, const std::string& path, const std::string& source,
                           bool with_lines) {
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i)
      reject_duplicate_keys(node[i], fmt::format("{}[{}]", path, i), source, with_lines);
    return;
  }
  if (!node.IsMap()) return;
  std::map<std::string, YAML::Mark> seen;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) continue;
    const std::string key = kv.first.Scalar(), dotted = path.empty() ? key : path + "." + key;
    const auto [first, fresh] = seen.emplace(key, kv.first.Mark());
    if (!fresh) {
      const YAML::Mark& again = kv.first.Mark();
      const YAML::Mark& once = first->second;
      std::string lines;
      if (with_lines && !once.is_null() && !again.is_null())
        lines = once.line != again.line
                    ? fmt::format(" (lines {} and {})", once.line + 1, again.line + 1)
                    : fmt::format(" (line {}, columns {} and {})", once.line + 1, once.column + 1, again.column + 1);
      throw Error(fmt::format("{}: key '{}' is given twice{}; expected each key once in a mapping", source, dotted,
                              lines));
    }
    reject_duplicate_keys(kv.second, dotted, source, with_lines);
  }
}

}  // namespace

ConfigNode::ConfigNode(YAML::Node node, std::string path, std::string source)
    : ConfigNode(std::move(node), YAML::Node(YAML::NodeType::Undefined), std::move(path), std::move(source)) {}

ConfigNode::ConfigNode(YAML::Node node, YAML::Node resolved, std::string path, std::string source)
    : node_(std::move(node)), resolved_(std::move(resolved)), path_(std::move(path)), source_(std::move(source)),
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

void ConfigNode::throw_missing(const std::string& key, const std::string& what, const std::string& expected) const {
  // A key present here that no reader asked for and that is one typo away from the missing one
  // is the real mistake: name it first ("mixr" for "mixer"), not the absence it causes.
  std::vector<std::string> present;
  if (node_.IsMap())
    for (const auto& kv : node_) present.push_back(kv.first.as<std::string>());
  const std::string typo = nearest(key, present);
  if (!typo.empty() && !asked_->count(typo)) {
    const std::string from = command_line_assignment(node_[typo]);
    throw Error(fmt::format("{}: unknown key '{}' (did you mean '{}'?)",
                            from.empty() ? source_ : from + " (command line)", path_of(typo), key));
  }
  throw Error(fmt::format("{}: missing required {} '{}'{}", source_, what, path_of(key), expected));
}

template <typename T> T ConfigNode::require(const std::string& key) const {
  YAML::Node v = value_of(key);
  if (!v.IsDefined() || v.IsNull()) throw_missing(key, "key", fmt::format(" ({} expected)", type_name<T>()));
  try {
    return v.as<T>();
  } catch (const YAML::Exception&) {
    throw mismatch_error(where_is(v, path_of(key), source_), type_name<T>(), describe(v));
  }
}

template <typename T> T ConfigNode::get(const std::string& key, const T& fallback) const {
  YAML::Node v = value_of(key);
  if (!v.IsDefined() || v.IsNull()) {
    // Recorded in the resolved tree only (a handle copy aliases it), so that Config::dump() is the
    // fully resolved config while the user's tree, which every reader reads, stays as written.
    if (resolved_.IsMap()) {
      YAML::Node tree = resolved_;
      tree[key] = fallback;
    }
    return fallback;
  }
  return require<T>(key);
}

std::string ConfigNode::get_choice(const std::string& key, const std::string& fallback,
                                   const std::vector<std::string>& allowed) const {
  const auto value = get<std::string>(key, fallback);
  for (const auto& a : allowed)
    if (value == a) return value;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  throw mismatch_error(where_is(value_of(key), path_of(key), source_), "one of " + list, "'" + value + "'");
}

template <typename T> T ConfigNode::get_at_least(const std::string& key, const T& fallback, const T& minimum) const {
  const T value = get<T>(key, fallback);
  if (value < minimum)
    throw mismatch_error(where_is(value_of(key), path_of(key), source_), fmt::format("a value >= {}", minimum),
                         fmt::format("{}", value));
  return value;
}
template int64_t ConfigNode::get_at_least<int64_t>(const std::string&, const int64_t&, const int64_t&) const;
template double ConfigNode::get_at_least<double>(const std::string&, const double&, const double&) const;

ConfigNode ConfigNode::child(const std::string& key) const {
  YAML::Node v = value_of(key);
  if (!v.IsDefined() || v.IsNull()) throw_missing(key, "section", "");
  if (!v.IsMap()) throw mismatch_error(where_is(v, path_of(key), source_), "a mapping", describe(v));
  return ConfigNode(v, resolved_child(resolved_, key), path_of(key), source_);
}

ConfigNode ConfigNode::optional_child(const std::string& key) const {
  if (has(key)) return child(key);
  YAML::Node empty(YAML::NodeType::Map);
  YAML::Node recorded(YAML::NodeType::Undefined);
  if (resolved_.IsMap()) {
    YAML::Node tree = resolved_;
    tree[key] = YAML::Node(YAML::NodeType::Map);
    recorded.reset(tree[key]);
  }
  return ConfigNode(empty, recorded, path_of(key), source_);
}

std::vector<ConfigNode> ConfigNode::list_items(const std::string& key) const {
  std::vector<ConfigNode> items;
  if (!has(key)) return items;
  const YAML::Node list = value_of(key);
  if (!list.IsSequence())
    throw mismatch_error(fmt::format("{}: key '{}'", source_, path_of(key)), "a list of mappings", describe(list));
  const YAML::Node resolved_list = resolved_child(resolved_, key);
  for (size_t i = 0; i < list.size(); ++i) {
    YAML::Node recorded(YAML::NodeType::Undefined);
    if (resolved_list.IsSequence() && i < resolved_list.size()) recorded.reset(resolved_list[i]);
    items.emplace_back(list[i], recorded, path_of(fmt::format("{}[{}]", key, i)), source_);
  }
  return items;
}

void ConfigNode::reject_unknown_keys() const {
  if (!node_.IsMap()) return;
  std::string unknown;
  std::vector<std::string> from_command_line;  // the overrides that added unknown keys
  bool from_file = false;
  const std::vector<std::string> known_keys(asked_->begin(), asked_->end());
  for (const auto& kv : node_) {
    const auto key = kv.first.as<std::string>();
    if (asked_->count(key)) continue;
    unknown += (unknown.empty() ? "'" : ", '") + path_of(key) + "'";
    const std::string guess = nearest(key, known_keys);
    if (!guess.empty()) unknown += fmt::format(" (did you mean '{}'?)", guess);
    const std::string assignment = command_line_assignment(kv.second);
    if (assignment.empty()) from_file = true;
    else from_command_line.push_back(assignment);
  }
  if (unknown.empty()) return;
  std::string known;
  for (const auto& k : *asked_) known += (known.empty() ? "" : ", ") + k;
  const std::string where = from_file                         ? source_
                            : from_command_line.size() == 1 ? from_command_line.front() + " (command line)"
                                                            : std::string("the command line");
  throw Error(fmt::format("{}: unknown key {} (known keys{}: {})", where, unknown,
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

Config::Config(YAML::Node root, YAML::Node resolved, std::string source)
    : root_(std::move(root)), resolved_(std::move(resolved)), source_(std::move(source)) {}

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
  reject_duplicate_keys(root, "", source, true);
  return Config(root, YAML::Clone(root), source);
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
      reject_duplicate_keys(value, dotted, fmt::format("override '{}'", assignment), false);
      mark_from_command_line(value, assignment);
      node[key] = value;
      // The same assignment in the resolved tree, which holds every section the user's tree has.
      YAML::Node resolved = resolved_;
      for (size_t j = 0; j + 1 < parts.size(); ++j) {
        YAML::Node next = resolved[parts[j]];
        resolved.reset(next);
      }
      resolved[key] = YAML::Clone(value);
    } else {
      YAML::Node next = node[key];
      node.reset(next);
    }
  }
}

void Config::apply_overrides(const std::vector<std::string>& assignments) {
  for (const auto& a : assignments) apply_override(a);
}

void Config::remove(const std::string& section, const std::string& key) {
  for (YAML::Node tree : {root_, resolved_}) {
    if (!tree.IsMap() || !tree[section].IsDefined() || !tree[section].IsMap()) continue;
    YAML::Node mapping = tree[section];
    mapping.remove(key);
  }
}

void Config::set(const std::string& section, const std::string& key, const std::string& value) {
  for (YAML::Node tree : {root_, resolved_}) {
    check(tree.IsMap() && tree[section].IsDefined() && tree[section].IsMap(), "{}: no section '{}' to set '{}.{}' in",
          source_, section, section, key);
    YAML::Node mapping = tree[section];
    mapping[key] = value;
  }
}

Config Config::clone() const { return Config(YAML::Clone(root_), YAML::Clone(resolved_), source_); }

ConfigNode Config::root() const { return ConfigNode(root_, resolved_, "", source_); }

namespace {
// A tree as YAML, without the marks that say which values came from the command line.
std::string emit(const YAML::Node& tree) {
  YAML::Node plain = YAML::Clone(tree);
  unmark_command_line(plain);
  YAML::Emitter out;
  out << plain;
  return std::string(out.c_str()) + "\n";
}
}  // namespace

std::string Config::dump() const { return emit(resolved_); }

std::string Config::dump_as_given() const { return emit(root_); }

}  // namespace mno
