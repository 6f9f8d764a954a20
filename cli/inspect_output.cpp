#include "cli/inspect_output.hpp"

#include <iostream>

#include "common/go_template.hpp"

namespace roost::cli {

Result<void> print_inspected(const nlohmann::json& objects, const std::string& format) {
  if (format.empty() || format == "json") {
    std::cout << objects.dump(4) << "\n";
    return {};
  }
  std::cout << ROOST_TRY(render_format(format, {objects.begin(), objects.end()}, {}));
  return {};
}

}  // namespace roost::cli
