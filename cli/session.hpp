// What main provides to a verb: global options, the user, and the store,
// each created on first use so a verb that needs none of them pays nothing.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "common/user_context.hpp"
#include "storage/store.hpp"
#include "userns/idmap.hpp"

namespace roost::cli {

struct GlobalOptions {
  std::string storage_driver;  // --storage-driver; empty: storage.conf or default
  std::string root;            // --root (graph root)
  std::string runroot;         // --runroot
  std::string log_level = "warn";
};

class Session {
 public:
  explicit Session(GlobalOptions options) : options_(std::move(options)) {}

  const GlobalOptions& options() const { return options_; }
  Result<const UserContext*> user();
  Result<const userns::IdMapping*> mapping();
  // The resolved store settings (driver, graph root, ...), without opening it.
  Result<const storage::StoreOptions*> store_options();
  Result<storage::Store*> store();

 private:
  GlobalOptions options_;
  std::optional<UserContext> user_;
  std::optional<userns::IdMapping> mapping_;
  std::optional<storage::StoreOptions> store_options_;
  std::unique_ptr<storage::Store> store_;
};

}  // namespace roost::cli
