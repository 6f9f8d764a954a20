// roost version / roost system version
#include <sys/utsname.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/verb.hpp"
#include "common/go_template.hpp"

namespace roost::cli {
namespace {

// Go's names for the machine, as podman prints OS/Arch.
std::string go_arch() {
  struct utsname u{};
  ::uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m == "i686" || m == "i386") return "386";
  return m;
}

Result<int> run_version(const std::string& format) {
  nlohmann::json client = {
      {"Version", ROOST_VERSION},
      {"APIVersion", ROOST_VERSION},
      {"Compiler", std::string("C++ ") + __VERSION__},
      {"OsArch", "linux/" + go_arch()},
      {"Os", "linux"},
  };
  nlohmann::json all = {{"Client", client}};
  if (format == "json") {
    std::cout << all.dump(4) << "\n";
  } else if (!format.empty()) {
    std::cout << ROOST_TRY(render_format(format, {all}, {}));
  } else {
    std::cout << "Version:      " << ROOST_VERSION << "\n"
              << "API Version:  " << ROOST_VERSION << "\n"
              << "Compiler:     " << client["Compiler"].get<std::string>() << "\n"
              << "OS/Arch:      " << client["OsArch"].get<std::string>() << "\n";
  }
  return 0;
}

VerbRegistrar reg({
    {"version", "system version"},
    "Display the roost version information",
    [](CLI::App& app) -> RunFn {
      auto format = std::make_shared<std::string>();
      app.add_option("-f,--format", *format, "Output format: json, or a Go template ('{{.Client.Version}}')");
      return [format](Session&) { return run_version(*format); };
    },
});

}  // namespace
}  // namespace roost::cli
