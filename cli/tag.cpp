// roost tag IMAGE TARGET...
#include "cli/engine_access.hpp"
#include "cli/image_lookup.hpp"
#include "cli/verb.hpp"
#include "image/reference.hpp"

namespace roost::cli {
namespace {

struct TagFlags {
  std::vector<std::string> args;
};

Result<int> run_tag(Session& s, const TagFlags& f) {
  if (f.args.size() < 2) return make_error(ErrorKind::invalid, "tag: requires at least 2 arguments: IMAGE TARGET_NAME...");
  // Validate every target before changing anything.
  std::vector<std::string> targets;
  for (size_t i = 1; i < f.args.size(); ++i) targets.push_back(ROOST_TRY(image::parse_local_name(f.args[i])).str());
  auto store = ROOST_TRY(s.store());
  auto img = ROOST_TRY(lookup_image(*store, f.args[0]));
  for (auto& t : targets) {
    ROOST_TRY(store->add_name(img.id, t));
    record_image_event(s, "tag", img.id, t);
  }
  return 0;
}

VerbRegistrar reg({
    {"tag", "image tag"},
    "Add an additional name to a local image",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<TagFlags>();
      app.add_option("args", f->args, "IMAGE TARGET_NAME [TARGET_NAME...]")->required();
      return [f](Session& s) { return run_tag(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
