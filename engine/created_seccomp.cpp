#include "engine/created_seccomp.hpp"

namespace roost::engine {

using nlohmann::json;

Result<std::optional<json>> created_seccomp(storage::Database& db, const ContainerRecord& c) {
  if (c.spec.is_object()) {
    auto lx = c.spec.find("linux");
    if (lx == c.spec.end() || !lx->is_object() || !lx->contains("seccomp")) return std::optional<json>(json());
    return std::optional<json>(lx->at("seccomp"));
  }
  auto st = ROOST_TRY(db.prepare(
      "SELECT json_extract(spec, '$.linux.seccomp') FROM containers WHERE id = ? AND json_valid(spec)"));
  st.bind(1, c.id);
  if (!ROOST_TRY(st.step())) return std::optional<json>();
  if (st.is_null(0)) return std::optional<json>(json());
  json seccomp = json::parse(st.text(0), nullptr, false);
  if (seccomp.is_discarded())
    return make_error(ErrorKind::corrupt, "container " + c.id + ": its stored spec has a malformed linux.seccomp");
  return std::optional<json>(std::move(seccomp));
}

}  // namespace roost::engine
