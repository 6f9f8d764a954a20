// Flags shared by the verbs that talk to registries (pull, push, login):
// --tls-verify, --cert-dir, --authfile, --creds.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "common/result.hpp"
#include "image/registry.hpp"

namespace roost::cli {

struct RegistryFlags {
  bool tls_verify = true;
  std::string cert_dir;
  std::string authfile;
  std::string creds;
  CLI::Option* tls_option = nullptr;

  // Whether --tls-verify was given (else registries.conf's insecure decides).
  bool tls_verify_given() const { return tls_option && tls_option->count() > 0; }

  void add_to(CLI::App& app, bool with_creds);
  // The options for image::RegistryClient (parses --creds).
  Result<image::RegistryOptions> options() const;
};

}  // namespace roost::cli
