// roost pull [-q] [--platform OS/ARCH[/VARIANT]] [--tls-verify] [--cert-dir DIR]
//            [--authfile FILE] [--creds USER:PASS] REFERENCE
#include <unistd.h>

#include <iostream>
#include <optional>

#include "cli/engine_access.hpp"
#include "cli/pull_progress.hpp"
#include "cli/registry_flags.hpp"
#include "cli/verb.hpp"
#include "image/load.hpp"
#include "image/pull.hpp"
#include "image/registries_conf.hpp"

namespace roost::cli {
namespace {

struct PullFlags {
  RegistryFlags registry;
  std::string platform;
  bool quiet = false;
  std::string reference;
};

// Transports that name files: "oci:DIR[:REF]", "oci-archive:FILE", "docker-archive:FILE".
std::optional<std::string> archive_path(const std::string& ref) {
  for (const char* t : {"oci-archive:", "docker-archive:"})
    if (ref.rfind(t, 0) == 0) return ref.substr(std::string(t).size());
  if (ref.rfind("oci:", 0) == 0) {
    std::string rest = ref.substr(4);
    // A trailing ":ref" names one image of the layout; the layout's images
    // are all loaded, so it only needs to be cut off the path.
    if (auto colon = rest.rfind(':'); colon != std::string::npos && rest.find('/', colon) == std::string::npos &&
                                      ::access(rest.c_str(), F_OK) != 0)
      rest.resize(colon);
    return rest;
  }
  return std::nullopt;
}

Result<int> run_pull(Session& s, const PullFlags& f) {
  if (auto path = archive_path(f.reference)) {
    if (path->empty()) return make_error(ErrorKind::invalid, "invalid reference \"" + f.reference + "\": no path after the transport");
    auto store = ROOST_TRY(s.store());
    auto images = ROOST_TRY_CTX(image::load_archive(*store, *path), "pulling " + f.reference);
    for (auto& img : images) {
      record_image_event(s, "pull", img.id, f.reference);
      std::cout << img.id << "\n";
    }
    return 0;
  }
  std::string text = f.reference;
  if (text.rfind("docker://", 0) == 0) text = text.substr(9);
  auto conf = ROOST_TRY(image::load_registries_conf());
  auto candidates = ROOST_TRY(image::resolve_image_name(text, conf));
  image::PullOptions opts;
  opts.registry = ROOST_TRY(f.registry.options());
  if (!f.platform.empty()) opts.platform = ROOST_TRY(image::parse_platform(f.platform));
  auto bars = std::make_shared<PullProgress>(STDERR_FILENO);
  if (!f.quiet) {
    opts.progress = [bars](const std::string& line) { bars->line(line); };
    if (bars->on_terminal())
      opts.layer_progress = [bars](const std::string& d, uint64_t n, uint64_t total, bool done) { bars->layer(d, n, total, done); };
  }
  auto store = ROOST_TRY(s.store());
  // Candidates from the search registries are tried in order; the first
  // that has the image wins, and the last error is reported. Within one,
  // its mirrors come before its location, and any failure of a mirror
  // moves on to the next source, as containers/image does.
  std::optional<Error> last;
  for (auto& candidate : candidates) {
    auto sources = ROOST_TRY(image::pull_sources(conf, candidate));
    for (size_t i = 0; i < sources.size(); ++i) {
      auto attempt = opts;
      attempt.store_as = candidate;
      if (sources[i].insecure && !f.registry.tls_verify_given()) attempt.registry.tls_verify = false;
      auto rec = image::pull_image(*store, sources[i].ref, attempt);
      if (!rec) {
        last = rec.error();
        if (sources[i].mirror) {
          if (!f.quiet) bars->line("Warning: pulling from mirror " + sources[i].ref.repository() + ": " + rec.error().str());
          continue;
        }
        if (rec.error().kind() == ErrorKind::not_found && candidates.size() > 1) break;
        return std::move(rec).error();
      }
      if (!f.quiet) bars->line("Storing signatures");
      record_image_event(s, "pull", rec->id, candidate.str());
      std::cout << rec->id << "\n";
      return 0;
    }
  }
  return std::move(*last);
}

VerbRegistrar reg({
    {"pull", "image pull"},
    "Pull an image from a registry",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<PullFlags>();
      f->registry.add_to(app, true);
      app.add_option("--platform", f->platform, "Pull the image for OS/ARCH[/VARIANT] (default: the host's)");
      app.add_flag("-q,--quiet", f->quiet, "Suppress progress output; print only the image ID");
      app.add_option("reference", f->reference, "Image to pull (NAME[:TAG], NAME@DIGEST, docker://, oci:, oci-archive:, docker-archive:)")
          ->required();
      return [f](Session& s) { return run_pull(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
