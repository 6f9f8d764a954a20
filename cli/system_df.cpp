// roost system df
#include <cmath>
#include <iostream>
#include <set>

#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "common/format.hpp"

namespace roost::cli {
namespace {

struct Usage {
  std::string type;
  size_t total = 0, active = 0;
  uint64_t size = 0, reclaimable = 0;
};

std::vector<std::string> row(const Usage& u) {
  long percent = u.size == 0 ? 0 : std::lround(100.0 * static_cast<double>(u.reclaimable) / static_cast<double>(u.size));
  return {u.type, std::to_string(u.total), std::to_string(u.active), human_size_compact(u.size),
          human_size_compact(u.reclaimable) + " (" + std::to_string(percent) + "%)"};
}

Result<int> run_df(Session& s) {
  auto store = ROOST_TRY(s.store());
  auto eng = ROOST_TRY(open_engine(s));
  auto containers = ROOST_TRY(eng->list());
  std::set<std::string> used;
  for (auto& c : containers) used.insert(c.image_id);
  Usage images{"Images"}, ctrs{"Containers"}, volumes{"Local Volumes"};
  for (auto& img : store->images()) {
    ++images.total;
    images.size += img.size;
    if (used.count(img.id)) ++images.active;
    else images.reclaimable += img.size;
  }
  for (auto& c : containers) {
    ++ctrs.total;
    uint64_t bytes = store->container_layer_size(c.id);
    ctrs.size += bytes;
    if (c.state == engine::State::running) ++ctrs.active;
    else ctrs.reclaimable += bytes;
  }
  std::cout << render_table({{"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"}, row(images), row(ctrs), row(volumes)});
  return 0;
}

VerbRegistrar reg({
    {"system df"},
    "Show roost disk usage",
    [](CLI::App&) -> RunFn { return [](Session& s) { return run_df(s); }; },
});

}  // namespace
}  // namespace roost::cli
