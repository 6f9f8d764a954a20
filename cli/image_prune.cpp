// roost image prune [-a] [-f]
#include <iostream>
#include <set>
#include <string>

#include "cli/engine_access.hpp"
#include "cli/verb.hpp"

namespace roost::cli {
namespace {

struct PruneFlags {
  bool all = false;
  bool force = false;
};

Result<int> run_prune(Session& s, const PruneFlags& f) {
  if (!f.force) {
    std::cout << (f.all ? "WARNING! This command removes all images without at least one container associated with them."
                        : "WARNING! This command removes all dangling images.")
              << "\nAre you sure you want to continue? [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") return 0;
  }
  auto store = ROOST_TRY(s.store());
  auto eng = ROOST_TRY(open_engine(s));
  std::set<std::string> used;
  for (auto& c : ROOST_TRY(eng->list())) used.insert(c.image_id);
  for (auto& img : store->images()) {
    // Dangling: no name. With -a every image no container was created from.
    if (used.count(img.id) || (!f.all && !img.names.empty())) continue;
    // A container created meanwhile keeps its image.
    if (!ROOST_TRY(eng->using_image(img.id)).empty()) continue;
    ROOST_TRY_CTX(store->delete_image(img.id), "removing image " + img.id);
    std::cout << img.id << "\n";
  }
  return 0;
}

VerbRegistrar reg({
    {"image prune"},
    "Remove unused images",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<PruneFlags>();
      app.add_flag("-a,--all", f->all, "Remove all images not in use by containers, not just dangling ones");
      app.add_flag("-f,--force", f->force, "Do not prompt for confirmation");
      return [f](Session& s) { return run_prune(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
