#include "mno/data/splits.h"

#include "mno/core/error.h"

namespace mno::data {

SplitRule parse_split_rule(const std::string& name) {
  if (name == "pdebench") return SplitRule::pdebench;
  if (name == "authors") return SplitRule::authors;
  throw mismatch_error("split rule", "pdebench or authors", "'" + name + "'");
}

Split make_split(const PdebenchInfo& info, SplitRule rule) {
  const size_t n = info.samples;
  const PdeSpec& pde = pde_spec(info.pde);
  if (rule == SplitRule::pdebench) {
    const size_t test = n / 10;
    check(test >= 1 && test < n, "{}: the pdebench split (10% test) needs at least 10 samples, found {}", info.path, n);
    return pde.test_first ? Split{{test, n}, {0, test}} : Split{{0, n - test}, {n - test, n}};
  }
  const size_t train = pde.authors_train, test = pde.authors_test;
  check(n >= train + test, "{}: the authors' split of {} data needs {} train + {} test samples, found {}", info.path,
        pde.name, train, test, n);
  return pde.test_first ? Split{{test, test + train}, {0, test}} : Split{{0, train}, {n - test, n}};
}

}  // namespace mno::data
