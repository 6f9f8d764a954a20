// roost container inspect, and roost inspect (containers first, then images)
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/engine_access.hpp"
#include "cli/image_inspect.hpp"
#include "cli/image_lookup.hpp"
#include "cli/inspect_output.hpp"
#include "cli/verb.hpp"

namespace roost::cli {
namespace {

using nlohmann::json;

struct InspectFlags {
  std::vector<std::string> names;
  std::string format;
  std::string type = "all";
};

// One object per name; a name that is not found is reported (all but the
// last right away, as podman does) and fails the command after the output.
Result<int> run_inspect(Session& s, const InspectFlags& f) {
  if (f.type != "all" && f.type != "container" && f.type != "image")
    return make_error(ErrorKind::invalid, "invalid --type \"" + f.type + "\": use container, image or all");
  auto eng = ROOST_TRY(open_engine(s));
  auto store = ROOST_TRY(s.store());
  json out = json::array();
  std::optional<Error> failed;
  for (auto& name : f.names) {
    if (f.type != "image") {
      auto c = eng->lookup(name);
      if (c) {
        out.push_back(eng->inspect(*c));
        continue;
      }
      if (c.error().kind() != ErrorKind::not_found) return std::move(c).error();
    }
    if (f.type != "container") {
      auto img = lookup_image(*store, name);
      if (img) {
        out.push_back(image_inspect_json(*store, *img));
        continue;
      }
      if (img.error().kind() != ErrorKind::not_found) return std::move(img).error();
    }
    if (failed) std::cerr << "Error: " << failed->str() << "\n";
    std::string what = f.type == "container" ? "no such container " + name
                       : f.type == "image"   ? "no such image " + name
                                             : "no such object: \"" + name + "\"";
    failed = make_error(ErrorKind::not_found, what);
  }
  ROOST_TRY(print_inspected(out, f.format));
  if (failed) return std::move(*failed);
  return 0;
}

RunFn setup(CLI::App& app, const std::string& type) {
  auto f = std::make_shared<InspectFlags>();
  f->type = type;
  app.add_option("names", f->names, "Containers or images to inspect")->required();
  app.add_option("-f,--format", f->format, "Output format: json, or a Go template ('{{.State.Status}}')");
  if (type == "all") app.add_option("-t,--type", f->type, "What to inspect: container, image or all");
  return [f](Session& s) { return run_inspect(s, *f); };
}

VerbRegistrar reg_container({{"container inspect"}, "Display the configuration of containers",
                             [](CLI::App& app) { return setup(app, "container"); }});
VerbRegistrar reg_any({{"inspect"}, "Display the configuration of containers or images",
                       [](CLI::App& app) { return setup(app, "all"); }});

}  // namespace
}  // namespace roost::cli
