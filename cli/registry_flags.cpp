#include "cli/registry_flags.hpp"

namespace roost::cli {

void RegistryFlags::add_to(CLI::App& app, bool with_creds) {
  tls_option = app.add_flag("--tls-verify{true}", tls_verify,
               "Require HTTPS and verify certificates when contacting registries (--tls-verify=false: also plain HTTP)")
      ->default_str("true");
  app.add_option("--cert-dir", cert_dir, "Directory holding the registry's CA (ca.crt) and client certificates");
  app.add_option("--authfile", authfile, "Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)");
  if (with_creds) app.add_option("--creds", creds, "Credentials (USERNAME:PASSWORD) for the registry");
}

Result<image::RegistryOptions> RegistryFlags::options() const {
  image::RegistryOptions o;
  o.tls_verify = tls_verify;
  o.cert_dir = cert_dir;
  o.authfile = authfile;
  if (!creds.empty()) o.creds = ROOST_TRY(image::parse_creds(creds));
  return o;
}

}  // namespace roost::cli
