#include "cli/session.hpp"

#include <unistd.h>

#include "common/fd.hpp"
#include "common/log.hpp"
#include "storage/config.hpp"
#include "userns/userns.hpp"

namespace roost::cli {
namespace {

// Shown on the first command of a login session (the runtime directory lives
// until logout), not on every command.
void warn_once_per_session(const UserContext& u, const std::string& message) {
  std::string dir = u.runtime_dir + "/roost";
  std::string marker = dir + "/single-id-warning-shown";
  if (::access(marker.c_str(), F_OK) == 0) return;
  log_warn(message);
  if (make_dirs(dir, 0700)) (void)write_file_atomic(marker, message + "\n", 0600);
}

}  // namespace

Result<const UserContext*> Session::user() {
  if (!user_) {
    user_ = ROOST_TRY(current_user_context());
    if (!user_->runtime_dir_note.empty()) log_debug(user_->runtime_dir_note);
  }
  return &*user_;
}

Result<const userns::IdMapping*> Session::mapping() {
  if (!mapping_) {
    auto u = ROOST_TRY(user());
    mapping_ = ROOST_TRY(userns::mapping_for(*u));
    if (!mapping_->fallback_warning.empty()) warn_once_per_session(*u, mapping_->fallback_warning);
  }
  return &*mapping_;
}

Result<const storage::StoreOptions*> Session::store_options() {
  if (!store_options_) {
    auto u = ROOST_TRY(user());
    storage::StoreOverrides o{options_.storage_driver, options_.root, options_.runroot};
    store_options_ = ROOST_TRY(storage::resolve_store_options(*u, o));
  }
  return &*store_options_;
}

Result<storage::Store*> Session::store() {
  if (!store_) {
    auto opts = *ROOST_TRY(store_options());
    opts.mapping = *ROOST_TRY(mapping());
    store_ = ROOST_TRY(storage::Store::open(opts));
  }
  return store_.get();
}

}  // namespace roost::cli
