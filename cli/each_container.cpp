#include "cli/each_container.hpp"

#include <cstdio>
#include <iostream>

namespace roost::cli {

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
