// Turning an image config plus the user's run options into an OCI runtime
// spec (config.json). A pure function: no file system, no host probing; the
// caller passes in every fact it needs.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <map>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "netns/options.hpp"
#include "userns/idmap.hpp"

namespace roost::runtime {

// The parts of an OCI image config ("config" object) that shape a container.
struct ImageConfig {
  std::vector<std::string> env;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
  std::string user;
  std::string stop_signal;
  std::vector<std::string> volumes;
  std::vector<std::string> exposed_ports;  // ExposedPorts keys: "80/tcp"
  std::map<std::string, std::string> labels;
};
// Parses the image config JSON (the whole config blob); unknown fields ignored.
Result<ImageConfig> parse_image_config(const std::string& config_json);

struct BindMount {
  std::string source;       // host path (absolute)
  std::string destination;  // container path (absolute)
  bool read_only = false;
};

struct Ulimit {
  std::string name;  // "nofile", "nproc", ... (RLIMIT_ name lowercased without prefix)
  uint64_t soft = 0;
  uint64_t hard = 0;
};
// Parses "nofile=1024:2048" or "nproc=512"; errors name the bad part.
Result<Ulimit> parse_ulimit(const std::string& text);


struct RunOptions {
  std::string container_id;  // 64 hex
  std::string name;
  std::vector<std::string> command;                   // args after the image (replace Cmd)
  std::optional<std::vector<std::string>> entrypoint; // --entrypoint ("" clears it)
  std::vector<std::string> env;                       // KEY=VALUE, over the image's Env
  std::string workdir;                                // -w
  std::string user;                                   // -u USER[:GROUP]
  std::string hostname;                               // default: first 12 chars of the ID
  bool tty = false;
  bool interactive = false;
  bool read_only = false;
  bool privileged = false;
  std::vector<std::string> cap_add;   // "NET_ADMIN" or "CAP_NET_ADMIN", or "ALL"
  std::vector<std::string> cap_drop;
  std::vector<BindMount> binds;       // -v
  std::vector<std::string> tmpfs;     // --tmpfs PATH[:opts]
  netns::NetworkOptions network;      // --network, -p, --dns, --add-host...
  // "" = the default profile; "unconfined"; or the JSON text of a profile file.
  std::string seccomp_profile_json;
  bool seccomp_unconfined = false;
  bool no_new_privileges = false;
  std::vector<Ulimit> ulimits;
  // --runtime: an external OCI runtime's name or path ("runc"); "" runs the
  // built-in executor. Not part of the spec: it says who applies it.
  std::string oci_runtime;
  // --init: a host init binary (catatonit) bind-mounted at kInitPath that
  // runs as PID 1, reaps zombies and forwards signals; "" runs without.
  std::string init_path;
};
// Where --init's binary appears in the container, podman's path.
inline constexpr const char* kInitPath = "/run/podman-init";

// Facts from the host the spec needs (collected by the caller).
struct HostFacts {
  userns::IdMapping mapping;   // identity for root
  std::string rootfs;          // where the root file system is mounted
  std::string hosts_file;      // prepared /etc/hosts to bind-mount ("" = none)
  std::string hostname_file;   // prepared /etc/hostname
  std::string containerenv_file;  // prepared /run/.containerenv
  std::string resolv_conf;     // host resolv.conf to bind ("" = none)
  // network container:ID: the namespaces of that container's process to join
  // (its user namespace only rootless; "" before it is known, at create).
  std::string peer_netns;
  std::string peer_userns;
};

// Podman's default capability set (CapEff 00000000800405fb).
const std::vector<std::string>& default_capabilities();
// Every capability name this libcap knows, "CAP_..." form.
const std::vector<std::string>& all_capabilities();
// Normalises "net_admin"/"CAP_NET_ADMIN" to "CAP_NET_ADMIN"; unknown -> error
// naming it ("unknown capability \"CAP_FOO\"").
Result<std::string> normalize_capability(const std::string& name);

// The Docker/Podman default seccomp profile, as the OCI spec's
// linux.seccomp object (defaultAction SCMP_ACT_ERRNO, allow-listed syscalls,
// the capability-conditional rules resolved for CAPS).
nlohmann::json default_seccomp(const std::vector<std::string>& caps);
// Converts a Docker/containers seccomp profile JSON (the format of
// seccomp.json files) to linux.seccomp; errors name what is malformed.
Result<nlohmann::json> seccomp_from_profile(const std::string& profile_json, const std::vector<std::string>& caps);

// The OCI runtime spec. process.args = entrypoint + command; env merged
// (default PATH, HOSTNAME, TERM=xterm with a tty, container=podman as podman
// sets it, so tools that detect containers keep working); a numeric
// "uid[:gid]" user goes to process.user, a name to the annotation
// "io.roost.user" (the executor resolves it through the container's own
// /etc/passwd and /etc/group). Also: mounts, masked and read-only paths,
// namespaces (user only when the mapping is not identity; network per
// network.mode; ns:PATH joins that namespace, container:ID the peer's network
// and, rootless, its user namespace), uid/gid mappings, capabilities, seccomp, rlimits,
// noNewPrivileges.
Result<nlohmann::json> build_spec(const ImageConfig& image, const RunOptions& options, const HostFacts& host);

}  // namespace roost::runtime
