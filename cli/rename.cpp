// roost rename / roost container rename
#include "cli/engine_access.hpp"
#include "cli/verb.hpp"

namespace roost::cli {
namespace {

struct RenameFlags {
  std::string container;
  std::string new_name;
};

VerbRegistrar reg({
    {"rename", "container rename"},
    "Rename an existing container",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<RenameFlags>();
      app.add_option("container", f->container, "Container to rename (name or ID)")->required();
      app.add_option("name", f->new_name, "Its new name")->required();
      return [f](Session& s) -> Result<int> {
        auto eng = ROOST_TRY(open_engine(s));
        ROOST_TRY(eng->rename_container(f->container, f->new_name));
        return 0;
      };
    },
});

}  // namespace
}  // namespace roost::cli
