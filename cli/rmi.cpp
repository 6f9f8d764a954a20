// roost rmi / roost image rm
#include <iostream>

#include "cli/engine_access.hpp"
#include "cli/image_lookup.hpp"
#include "cli/verb.hpp"
#include "image/reference.hpp"

namespace roost::cli {
namespace {

struct RmiFlags {
  std::vector<std::string> images;
  bool force = false;
  bool all = false;
};

// The stored name TEXT refers to, when the user named the image rather than
// giving its ID.
std::string matching_name(const storage::ImageRecord& img, const std::string& text) {
  std::vector<std::string> wanted = {text};
  if (auto c = image::local_candidates(text)) wanted.insert(wanted.end(), c->begin(), c->end());
  for (auto& w : wanted)
    for (auto& n : img.names)
      if (n == w) return n;
  std::string suffix = "/" + text + (text.find(':') == std::string::npos ? ":latest" : "");
  for (auto& n : img.names)
    if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0) return n;
  return "";
}

// An image containers were created from stays unless forced; forced, those
// containers go first (as `podman rmi -f` does).
Result<void> remove_containers_using(engine::Engine& eng, const storage::ImageRecord& img, bool force) {
  auto users = ROOST_TRY(eng.using_image(img.id));
  if (users.empty()) return {};
  if (!force)
    return make_error(ErrorKind::invalid, "image used by " + users.front().id +
                                              ": image is in use by a container: remove the container first or use -f");
  for (auto& c : users) ROOST_TRY(eng.remove_container(c.id, true));
  return {};
}

Result<void> remove_one(Session& s, storage::Store& store, engine::Engine& eng, const std::string& text, bool force,
                        bool force_containers) {
  auto img = ROOST_TRY(lookup_image(store, text));
  std::string name = matching_name(img, text);
  if (!name.empty() && img.names.size() > 1) {
    ROOST_TRY(store.remove_name(name));
    record_image_event(s, "untag", img.id, name);
    std::cout << "Untagged: " << name << "\n";
    return {};
  }
  if (name.empty() && img.names.size() > 1 && !force) {
    std::string list;
    for (auto& n : img.names) list += (list.empty() ? "" : ", ") + n;
    return make_error(ErrorKind::invalid, "unable to delete image \"" + img.id + "\" by ID with more than one tag (" +
                                              list + "): please force removal with -f");
  }
  ROOST_TRY(remove_containers_using(eng, img, force_containers));
  ROOST_TRY(store.delete_image(img.id));
  for (auto& n : img.names) {
    record_image_event(s, "untag", img.id, n);
    std::cout << "Untagged: " << n << "\n";
  }
  record_image_event(s, "remove", img.id, img.names.empty() ? "" : img.names.front());
  std::cout << "Deleted: " << img.id << "\n";
  return {};
}

Result<int> run_rmi(Session& s, const RmiFlags& f) {
  if (f.images.empty() && !f.all) return make_error(ErrorKind::invalid, "rmi: image name or ID must be specified (or --all)");
  if (!f.images.empty() && f.all) return make_error(ErrorKind::invalid, "rmi: when using --all, no images may be named");
  auto store = ROOST_TRY(s.store());
  auto eng = ROOST_TRY(open_engine(s));
  std::vector<std::string> targets = f.images;
  if (f.all)
    for (auto& img : store->images()) targets.push_back(img.id);
  // Like podman: remove what can be removed, report every failure, and fail
  // the command if any failed.
  std::optional<Error> last;
  for (auto& t : targets) {
    auto r = remove_one(s, *store, *eng, t, f.force || f.all, f.force);
    if (!r) {
      if (last) std::cerr << "Error: " << last->str() << "\n";
      last = std::move(r).error();
    }
  }
  if (last) return std::move(*last);
  return 0;
}

VerbRegistrar reg({
    {"rmi", "image rm", "image remove"},
    "Remove one or more images from local storage",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<RmiFlags>();
      app.add_option("images", f->images, "Images to remove (name, short or full ID, or digest)");
      app.add_flag("-f,--force", f->force, "Remove the image even when it has several names or containers use it (removing those)");
      app.add_flag("-a,--all", f->all, "Remove all images");
      return [f](Session& s) { return run_rmi(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
