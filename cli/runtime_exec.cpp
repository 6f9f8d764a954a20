// roost runtime-exec BUNDLE: runs BUNDLE/config.json with the built-in
// executor and the caller's ID map, the root file system bind-mounted from
// root.path. Hidden: a test hook for the executor, not a user verb.
#include <sys/mount.h>

#include <filesystem>

#include "cli/verb.hpp"
#include "common/fd.hpp"
#include "runtime/executor.hpp"

namespace roost::cli {
namespace {

Result<int> run_runtime_exec(Session& s, const std::string& bundle) {
  auto text = ROOST_TRY_CTX(read_file(bundle + "/config.json"), "reading the bundle");
  nlohmann::json spec = nlohmann::json::parse(text, nullptr, false);
  if (spec.is_discarded() || !spec.is_object())
    return make_error(ErrorKind::invalid, bundle + "/config.json is not a JSON object");
  std::string root = spec.value("root", nlohmann::json::object()).value("path", std::string());
  if (root.empty()) return make_error(ErrorKind::invalid, bundle + "/config.json has no root.path");
  // OCI: a relative root.path is relative to the bundle.
  if (root[0] != '/') root = std::filesystem::absolute(bundle + "/" + root).lexically_normal().string();
  spec["root"]["path"] = root;

  runtime::ExecRequest req;
  req.spec = std::move(spec);
  req.mapping = *ROOST_TRY(s.mapping());
  req.mount_rootfs = [](const std::string& path) -> Result<void> {
    if (::mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
      return sys_error("bind-mounting", path);
    return {};
  };
  auto r = ROOST_TRY(runtime::run_container(req, nullptr));
  return r.exit_code;
}

VerbRegistrar reg({
    {"runtime-exec"},
    "Run an OCI bundle with the built-in executor (for tests)",
    [](CLI::App& app) -> RunFn {
      auto bundle = std::make_shared<std::string>();
      app.add_option("bundle", *bundle, "Bundle directory holding config.json")->required();
      return [bundle](Session& s) { return run_runtime_exec(s, *bundle); };
    },
    true,
});

}  // namespace
}  // namespace roost::cli
