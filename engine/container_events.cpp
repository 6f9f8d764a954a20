#include "engine/container_events.hpp"

namespace roost::engine {

Event container_event(const ContainerRecord& c, const std::string& status) {
  Event e;
  e.type = "container";
  e.status = status;
  e.id = c.id;
  e.name = c.name;
  e.image = c.image_name;
  e.attributes = c.labels;
  return e;
}

void record_container_event(const storage::StoreOptions& store, const ContainerRecord& c, const std::string& status,
                            std::optional<int> exit_code, const std::map<std::string, std::string>& extra) {
  Event e = container_event(c, status);
  e.exit_code = exit_code;
  for (auto& [k, v] : extra) e.attributes[k] = v;
  record_event(events_log_path(store.run_root), std::move(e));
}

void Engine::record_event(const ContainerRecord& c, const std::string& status, std::optional<int> exit_code,
                          const std::map<std::string, std::string>& extra) {
  record_container_event(store_options(), c, status, exit_code, extra);
}

}  // namespace roost::engine
