#pragma once
// YAML configuration with `a.b=c` overrides (docs/architecture.md).
//
// Every reader asks a ConfigNode for the keys it knows, with or without a default; when it is done
// it calls reject_unknown_keys(), so a typo ("d_stat: 16") is an error naming the key, the file and
// the keys that are known, never a silently ignored setting. Type errors name the key and the
// expected type.
//
// Reading never changes what the user wrote: a Config holds the user's tree (the file with its
// overrides), which every reader reads, and beside it the *resolved* tree, where the defaults the
// readers fill in are recorded for Config::dump(). A default one reader asked for is therefore never
// seen by another reader as if the user had written it.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace mno {

class ConfigNode {
 public:
  // A node whose defaults are recorded nowhere (a private, merged copy of a section).
  ConfigNode(YAML::Node node, std::string path, std::string source);
  // A node of a Config: `resolved` is the same place in its resolved tree.
  ConfigNode(YAML::Node node, YAML::Node resolved, std::string path, std::string source);

  bool has(const std::string& key) const;
  // Value of a required key.
  template <typename T> T require(const std::string& key) const;
  // Value of an optional key, or `fallback` when absent (then recorded in the resolved tree, so
  // that Config::dump() shows every default a reader filled in).
  template <typename T> T get(const std::string& key, const T& fallback) const;
  // An optional string that must be one of `allowed` (the error lists them).
  std::string get_choice(const std::string& key, const std::string& fallback,
                         const std::vector<std::string>& allowed) const;
  // An optional number that must be >= minimum.
  template <typename T> T get_at_least(const std::string& key, const T& fallback, const T& minimum) const;
  // A nested mapping; `key` must be present and be a mapping.
  ConfigNode child(const std::string& key) const;
  // An optional mapping: the section when present, else an empty one (recorded in the resolved
  // tree, so that the defaults read from it are saved too).
  ConfigNode optional_child(const std::string& key) const;
  // The mappings of an optional list (`groups: [{...}, {...}]`), one node each; none when absent.
  std::vector<ConfigNode> list_items(const std::string& key) const;
  // Throws mno::Error listing every key present here that no reader asked for.
  void reject_unknown_keys() const;

  // "model.mixer.d_state" — the full dotted path of `key` under this node.
  std::string path_of(const std::string& key) const;
  const std::string& source() const { return source_; }
  const YAML::Node& yaml() const { return node_; }

 private:
  YAML::Node value_of(const std::string& key) const;  // marks `key` as known
  // The error for a missing key or section: a near-miss key present here is named instead.
  [[noreturn]] void throw_missing(const std::string& key, const std::string& what, const std::string& expected) const;
  YAML::Node node_;
  YAML::Node resolved_;  // Undefined when defaults are not recorded
  std::string path_;
  std::string source_;
  std::shared_ptr<std::set<std::string>> asked_;
};

class Config {
 public:
  static Config load_file(const std::string& path);
  static Config parse(const std::string& yaml_text, const std::string& source = "<config>");

  // Applies "a.b.c=value": the sections a and a.b must exist (an unknown one is rejected naming
  // the keys there); c may be new, in which case the reader's reject_unknown_keys() checks it.
  // The value is parsed as YAML (numbers, booleans, lists, strings).
  void apply_override(const std::string& assignment);
  void apply_overrides(const std::vector<std::string>& assignments);
  // Removes `key` from the mapping `section` (a top-level key) in what the user wrote and in the
  // resolved config alike; nothing when absent.
  void remove(const std::string& section, const std::string& key);
  // Sets `key` of the mapping `section` (a top-level key that exists) to the string `value`, in
  // what the user wrote and in the resolved config alike: a value the program derives (an absolute
  // path), not one the user typed.
  void set(const std::string& section, const std::string& key, const std::string& value);

  // A deep copy: copies of a Config share its trees (and the defaults recorded by readers).
  Config clone() const;

  ConfigNode root() const;
  // The configuration as YAML, overrides applied and, once the readers have run, every default
  // they filled in: what a run directory saves as its config.yaml.
  std::string dump() const;
  // What the user wrote: the file with its overrides, no defaults (reading never changes it).
  std::string dump_as_given() const;

 private:
  Config(YAML::Node root, YAML::Node resolved, std::string source);
  YAML::Node root_;
  YAML::Node resolved_;
  std::string source_;
};

}  // namespace mno
