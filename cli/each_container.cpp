#include "cli/each_container.hpp"

#include <cstdio>
#include <iostream>

namespace roost::cli {

Result<std::vector<std::string>> names_or_running(engine::Engine& eng, const std::vector<std::string>& names, bool all) {
  if (names.empty() && !all) return make_error(ErrorKind::invalid, "you must provide at least one container name or ID");
  if (!names.empty() && all) return make_error(ErrorKind::invalid, "--all and containers cannot be used together");
  if (!all) return names;
  std::vector<std::string> out;
  for (auto& c : ROOST_TRY(eng.list()))
    if (engine::is_active(c.state)) out.push_back(c.id);
  return out;
}

int for_each_container(const std::vector<std::string>& names,
                       const std::function<Result<std::string>(const std::string&)>& fn) {
  int code = 0;
  for (auto& n : names) {
    auto r = fn(n);
    if (!r) {
      std::cout.flush();
      std::fprintf(stderr, "Error: %s\n", r.error().str().c_str());
      code = 125;
      continue;
    }
    std::cout << *r << "\n";
  }
  return code;
}

}  // namespace roost::cli
