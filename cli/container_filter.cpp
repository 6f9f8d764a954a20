#include "cli/container_filter.hpp"

#include <algorithm>
#include <regex>

namespace roost::cli {
namespace {

const char* const kKeys[] = {"id", "name", "status", "ancestor", "exited", "label"};
const char* const kStatuses[] = {"created", "running", "exited", "paused", "stopped", "restarting", "removing"};

bool regex_search(const std::string& pattern, const std::string& text) {
  try {
    return std::regex_search(text, std::regex(pattern));
  } catch (const std::regex_error&) {
    return text.find(pattern) != std::string::npos;
  }
}

bool one_matches(const std::string& key, const std::string& value, const engine::ContainerRecord& c,
                 const ContainerFilter::Facts& facts) {
  if (key == "id") return c.id.rfind(value, 0) == 0 || regex_search(value, c.id);
  if (key == "name") return regex_search(value, c.name);
  if (key == "status") return engine::state_name(c.state) == value || (value == "stopped" && c.state == engine::State::exited);
  if (key == "exited") return c.state == engine::State::exited && std::to_string(c.exit_code) == value;
  if (key == "ancestor") {
    if (c.image_id.rfind(value, 0) == 0 || c.image_name == value) return true;
    for (auto& n : facts.image_names()) {
      // "busybox" matches localhost/busybox:latest as a short name does.
      if (n == value || n == value + ":latest" || n.ends_with("/" + value) || n.ends_with("/" + value + ":latest"))
        return true;
    }
    return false;
  }
  if (key == "label") {
    auto labels = facts.labels();
    size_t eq = value.find('=');
    auto it = labels.find(value.substr(0, eq));
    return it != labels.end() && (eq == std::string::npos || it->second == value.substr(eq + 1));
  }
  return false;
}

}  // namespace

Result<ContainerFilter> ContainerFilter::parse(const std::vector<std::string>& filters) {
  ContainerFilter f;
  for (auto& spec : filters) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
      return make_error(ErrorKind::invalid, "invalid filter \"" + spec + "\": use KEY=VALUE (id, name, status, ancestor, exited, label)");
    std::string key = spec.substr(0, eq), value = spec.substr(eq + 1);
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys))
      return make_error(ErrorKind::invalid, "invalid filter \"" + key + "\": use id, name, status, ancestor, exited or label");
    if (key == "status" && std::find(std::begin(kStatuses), std::end(kStatuses), value) == std::end(kStatuses))
      return make_error(ErrorKind::invalid, "invalid status filter \"" + value +
                                                "\": use created, running, exited, paused, stopped, restarting or removing");
    if (key == "exited" && (value.empty() || value.find_first_not_of("0123456789") != std::string::npos))
      return make_error(ErrorKind::invalid, "invalid exited filter \"" + value + "\": use an exit code");
    f.by_key_[key].push_back(value);
  }
  return f;
}

bool ContainerFilter::matches(const engine::ContainerRecord& c, const Facts& facts) const {
  for (auto& [key, values] : by_key_) {
    bool any = std::any_of(values.begin(), values.end(), [&](const std::string& v) { return one_matches(key, v, c, facts); });
    if (!any) return false;
  }
  return true;
}

}  // namespace roost::cli
