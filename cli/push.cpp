// roost push [-q] [--tls-verify] [--cert-dir DIR] [--authfile F] [--creds U:P] IMAGE [DESTINATION]
// DESTINATION: a registry, oci:DIR[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:NAME].
#include <iostream>

#include <optional>

#include "cli/engine_access.hpp"
#include "cli/image_lookup.hpp"
#include "cli/output_file.hpp"
#include "cli/registry_flags.hpp"
#include "cli/verb.hpp"
#include "common/fd.hpp"
#include "image/push.hpp"
#include "image/registries_conf.hpp"

namespace roost::cli {
namespace {

struct FileTransport {
  std::string transport;  // "oci", "oci-archive", "docker-archive"
  std::string path;
  std::string ref;  // after the first ':' of the rest, as containers/image splits it
};

std::optional<FileTransport> file_transport(const std::string& dest) {
  for (const char* t : {"oci", "oci-archive", "docker-archive"}) {
    std::string prefix = std::string(t) + ":";
    if (dest.rfind(prefix, 0) != 0) continue;
    std::string rest = dest.substr(prefix.size());
    auto colon = rest.find(':');
    if (colon == std::string::npos) return FileTransport{t, rest, ""};
    return FileTransport{t, rest.substr(0, colon), rest.substr(colon + 1)};
  }
  return std::nullopt;
}

struct PushFlags {
  RegistryFlags registry;
  bool quiet = false;
  std::string digestfile;
  std::string image;
  std::string destination;
};

Result<int> run_push(Session& s, const PushFlags& f) {
  auto store = ROOST_TRY(s.store());
  auto img = ROOST_TRY(lookup_image(*store, f.image));
  image::Progress progress;
  if (!f.quiet) progress = [](const std::string& line) { std::cerr << line << std::endl; };
  std::string dest = f.destination.empty() ? f.image : f.destination;
  std::string digest;
  if (auto t = file_transport(dest)) {
    if (t->path.empty()) return make_error(ErrorKind::invalid, "invalid destination \"" + dest + "\": no path after the transport");
    // Like containers/image, only a name given in the destination is recorded.
    image::SaveItem item{img, {}};
    if (!t->ref.empty()) {
      // docker-archive records references; an OCI ref.name may be a bare tag.
      std::string name = t->ref;
      if (t->transport != "oci") name = ROOST_TRY(image::parse_reference(t->ref)).str();
      item.names = {name};
    }
    if (t->transport == "oci") {
      digest = ROOST_TRY_CTX(image::push_to_oci_layout(*store, img, t->path, item.names.empty() ? "" : item.names.front(), progress),
                             "pushing to " + dest);
    } else {
      auto format = t->transport == "oci-archive" ? image::ArchiveFormat::oci_archive : image::ArchiveFormat::docker_archive;
      ROOST_TRY_CTX(write_output(t->path, "an image archive",
                                 [&](int fd) { return image::save_archive(*store, {item}, format, fd, progress); }),
                    "pushing to " + dest);
    }
  } else {
    if (dest.rfind("docker://", 0) == 0) dest = dest.substr(9);
    if (image::is_short_name(dest))
      return make_error(ErrorKind::invalid, "push needs a destination with a registry (HOST[:PORT]/NAME[:TAG]), not \"" + dest + "\"");
    auto ref = ROOST_TRY(image::parse_reference(dest));
    auto conf = ROOST_TRY(image::load_registries_conf());
    auto opts = ROOST_TRY(f.registry.options());
    bool insecure = ROOST_TRY(image::apply_registry_entry(conf, ref));
    if (insecure && !f.registry.tls_verify_given()) opts.tls_verify = false;
    digest = ROOST_TRY_CTX(image::push_to_registry(*store, img, ref, opts, progress), "pushing to " + ref.str());
  }
  if (!f.digestfile.empty() && !digest.empty()) ROOST_TRY(write_file_atomic(f.digestfile, digest, 0644));
  record_image_event(s, "push", img.id, dest);
  return 0;
}

VerbRegistrar reg({
    {"push", "image push"},
    "Push an image to a registry or an OCI layout",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<PushFlags>();
      f->registry.add_to(app, true);
      app.add_flag("-q,--quiet", f->quiet, "Suppress progress output");
      app.add_option("--digestfile", f->digestfile, "Write the digest of the pushed manifest to this file");
      app.add_option("image", f->image, "Image to push")->required();
      app.add_option("destination", f->destination, "Where to (docker://HOST/NAME[:TAG], HOST/NAME[:TAG], oci:DIR[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:NAME]; default: the image's name)");
      return [f](Session& s) { return run_push(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
