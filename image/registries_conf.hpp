// registries.conf (version 2, TOML) as podman reads it: where short names are
// searched, per-registry settings (insecure, blocked, location rewrites) and
// short-name aliases. The parser takes the TOML subset these files use and
// is strict: anything else is an error naming the file and line.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "image/reference.hpp"

namespace roost::image {

struct RegistryMirror {
  std::string location;
  bool insecure = false;
  std::string pull_from = "all";  // pull-from-mirror: all | digest-only | tag-only
};

struct RegistryEntry {
  std::string prefix;    // what references are matched against (default: location)
  std::string location;  // where to connect instead
  bool insecure = false;
  bool blocked = false;
  bool mirror_by_digest_only = false;
  std::vector<RegistryMirror> mirrors;
};

struct RegistriesConf {
  std::vector<std::string> unqualified_search;
  std::vector<RegistryEntry> registries;
  std::map<std::string, std::string> aliases;  // short name -> full name
  std::string short_name_mode;                 // enforcing | permissive | disabled ("" = enforcing)
  std::string source;                          // the file read, or "" when none
};

// Parses TEXT (FILE names it in errors: "FILE:LINE: ...").
Result<RegistriesConf> parse_registries_conf(const std::string& text, const std::string& file);

// Reads $CONTAINERS_REGISTRIES_CONF, else $XDG_CONFIG_HOME/containers/
// registries.conf (rootless), else /etc/containers/registries.conf; none of
// them is an empty configuration.
Result<RegistriesConf> load_registries_conf();

// The entry whose prefix matches REPOSITORY ("host/path") most closely.
const RegistryEntry* find_registry(const RegistriesConf& conf, const std::string& repository);

// True when TEXT (as typed) names no registry: "busybox", "library/busybox:1".
bool is_short_name(const std::string& text);

// The references to try, in order, for TEXT: a full name is itself; a short
// name is its alias, or the name under each unqualified-search registry. No
// candidates, or several in enforcing mode (no terminal to ask on), is an
// error naming the file.
Result<std::vector<Reference>> resolve_image_name(const std::string& text, const RegistriesConf& conf);

// What the [[registry]] entry matching REF says: a blocked registry is an
// error, a location rewrites REF's domain and path, insecure comes back true.
// Pushes go here; mirrors are for pulling only, as in containers/image.
Result<bool> apply_registry_entry(const RegistriesConf& conf, Reference& ref);

// One place to pull a reference from: REF rewritten to a mirror or to the
// registry's location.
struct PullSource {
  Reference ref;
  bool insecure = false;
  bool mirror = false;
};

// Where to pull REF from, in order: the matching entry's mirrors that take
// this kind of reference (pull-from-mirror, mirror-by-digest-only), then the
// entry's location. Without a matching entry, REF itself. A blocked registry
// is an error.
Result<std::vector<PullSource>> pull_sources(const RegistriesConf& conf, const Reference& ref);

}  // namespace roost::image
