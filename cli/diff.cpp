// roost diff / roost container diff
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "storage/container_changes.hpp"

namespace roost::cli {
namespace {

struct DiffFlags {
  std::string container;
  std::string format;
};

Result<int> run_diff(Session& s, const DiffFlags& f) {
  if (!f.format.empty() && f.format != "json")
    return make_error(ErrorKind::invalid, "unsupported --format \"" + f.format + "\": use json");
  auto files = ROOST_TRY(container_files(s, f.container));
  auto store = ROOST_TRY(s.store());
  auto changes = ROOST_TRY(storage::container_changes(store->options(), files.layer));
  if (f.format == "json") {
    nlohmann::json out = nlohmann::json::object();
    for (auto& c : changes) {
      const char* key = c.kind == storage::ChangeKind::added     ? "added"
                        : c.kind == storage::ChangeKind::changed ? "changed"
                                                                 : "deleted";
      out[key].push_back(c.path);
    }
    std::cout << out.dump(4) << "\n";
    return 0;
  }
  for (auto& c : changes) std::cout << storage::change_letter(c.kind) << " " << c.path << "\n";
  return 0;
}

VerbRegistrar reg({
    {"diff", "container diff"},
    "Inspect changes to the container's file systems",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<DiffFlags>();
      app.add_option("container", f->container, "Container (name or ID)")->required();
      app.add_option("--format", f->format, "Output format: json");
      return [f](Session& s) { return run_diff(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
