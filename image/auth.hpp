// Registry credentials: WWW-Authenticate challenges (RFC 7235) and the
// auth.json files podman, skopeo and docker share.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost::image {

struct Challenge {
  std::string scheme;                         // lower case: "basic", "bearer"
  std::map<std::string, std::string> params;  // keys lower case: realm, service, scope
};

// Parses a WWW-Authenticate header value (one or more challenges, quoted
// strings with backslash escapes). Malformed input is an error.
Result<std::vector<Challenge>> parse_challenges(const std::string& header);

// The scopes a token request asks for: OWN ("repository:NAME:pull,push";
// none when empty), then those of a registry's 401 challenge (its scope
// parameter, space-separated) that OWN does not cover. A blob mount needs
// pull on the source repository too, and says so only in that challenge.
std::vector<std::string> token_scopes(const std::string& own, const std::string& challenge_scope);

struct Credentials {
  std::string username;
  std::string password;
};

// "user:pass" as --creds takes it (the password may contain ':').
Result<Credentials> parse_creds(const std::string& text);

std::string base64_encode(const std::string& bytes);
Result<std::string> base64_decode(const std::string& text);

// Where `roost login` writes: --authfile, else $REGISTRY_AUTH_FILE, else
// $XDG_RUNTIME_DIR/containers/auth.json.
Result<std::string> auth_file_for_writing(const std::string& authfile_flag);

// The files searched for credentials, in order: the file above, then (without
// --authfile or $REGISTRY_AUTH_FILE) ~/.docker/config.json.
Result<std::vector<std::string>> auth_files_for_reading(const std::string& authfile_flag);

// The credentials for REGISTRY ("host[:port]") in FILE's "auths", trying
// "REGISTRY/REPOSITORY" prefixes first as podman does. A missing file is no
// error; a corrupt one is (naming the file and line).
Result<std::optional<Credentials>> read_credentials(const std::string& file, const std::string& registry,
                                                    const std::string& repository_path);

// Adds or replaces REGISTRY's entry (file mode 0600, directory created).
Result<void> write_credentials(const std::string& file, const std::string& registry, const Credentials& creds);
// Removes REGISTRY's entry; false when there was none.
Result<bool> remove_credentials(const std::string& file, const std::string& registry);
// Removes every entry; false when there were none.
Result<bool> remove_all_credentials(const std::string& file);

}  // namespace roost::image
