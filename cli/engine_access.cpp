#include "cli/engine_access.hpp"

namespace roost::cli {

Result<std::unique_ptr<engine::Engine>> open_engine(Session& s) {
  auto store = ROOST_TRY(s.store());
  auto mapping = ROOST_TRY(s.mapping());
  engine::EngineOptions o;
  o.store = store;
  o.rootless = !mapping->identity;
  return engine::Engine::open(o);
}

}  // namespace roost::cli
