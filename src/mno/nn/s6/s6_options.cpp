#include "mno/nn/s6/s6_options.h"

#include <cmath>
#include <string>

#include "mno/core/error.h"

namespace mno::nn {
namespace {

int64_t read_dt_rank(const ConfigNode& node) {
  if (!node.has("dt_rank")) return 0;
  const auto text = node.require<std::string>("dt_rank");
  if (text == "auto") return 0;
  try {
    size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  throw mismatch_error(fmt::format("{}: key '{}'", node.source(), node.path_of("dt_rank")), "a positive integer or \"auto\"",
                       "'" + text + "'");
}

}  // namespace

S6MixerOptions S6MixerOptions::from_config(const ConfigNode& node, int64_t d_model, int64_t directions) {
  S6MixerOptions o;
  o.d_model = d_model;
  o.directions = directions;
  o.d_state = node.get<int64_t>("d_state", o.d_state);
  o.expand = node.get<double>("expand", o.expand);
  o.dt_rank = read_dt_rank(node);
  o.dt.dt_min = node.get<double>("dt_min", o.dt.dt_min);
  o.dt.dt_max = node.get<double>("dt_max", o.dt.dt_max);
  o.dt.dt_init_floor = node.get<double>("dt_init_floor", o.dt.dt_init_floor);
  const auto where = [&](const char* key) { return fmt::format("{}: key '{}'", node.source(), node.path_of(key)); };
  o.order = parse_scan_order(node.get<std::string>("order", scan_order_name(o.order)), where("order"));
  if (o.d_state < 1 || o.d_state > 256) throw mismatch_error(where("d_state"), "1..256", std::to_string(o.d_state));
  if (!(o.expand > 0)) throw mismatch_error(where("expand"), "a positive number", fmt::format("{}", o.expand));
  if (!(o.dt.dt_min > 0 && o.dt.dt_min <= o.dt.dt_max))
    throw mismatch_error(where("dt_min"), "0 < dt_min <= dt_max", fmt::format("dt_min {}, dt_max {}", o.dt.dt_min, o.dt.dt_max));
  return o;
}

std::string S6MixerOptions::order_suffix() const {
  if (order == ScanOrder::index) return "";
  return ", order " + scan_order_name(order) + (directions == 4 ? " and its transpose" : "");
}

int64_t S6MixerOptions::d_inner() const { return static_cast<int64_t>(std::llround(expand * d_model)); }

}  // namespace mno::nn
