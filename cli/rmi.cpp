// roost rmi / roost image rm
#include <iostream>

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

Result<void> remove_one(storage::Store& store, const std::string& text, bool force) {
  auto img = ROOST_TRY(lookup_image(store, text));
  std::string name = matching_name(img, text);
  if (!name.empty() && img.names.size() > 1) {
    ROOST_TRY(store.remove_name(name));
    std::cout << "Untagged: " << name << "\n";
    return {};
  }
  if (name.empty() && img.names.size() > 1 && !force) {
    std::string list;
    for (auto& n : img.names) list += (list.empty() ? "" : ", ") + n;
    return make_error(ErrorKind::invalid, "unable to delete image \"" + img.id + "\" by ID with more than one tag (" +
                                              list + "): please force removal with -f");
  }
  ROOST_TRY(store.delete_image(img.id));
  for (auto& n : img.names) std::cout << "Untagged: " << n << "\n";
  std::cout << "Deleted: " << img.id << "\n";
  return {};
}

Result<int> run_rmi(Session& s, const RmiFlags& f) {
  if (f.images.empty() && !f.all) return make_error(ErrorKind::invalid, "rmi: image name or ID must be specified (or --all)");
  if (!f.images.empty() && f.all) return make_error(ErrorKind::invalid, "rmi: when using --all, no images may be named");
  auto store = ROOST_TRY(s.store());
  std::vector<std::string> targets = f.images;
  if (f.all)
    for (auto& img : store->images()) targets.push_back(img.id);
  // Like podman: remove what can be removed, report every failure, and fail
  // the command if any failed.
  std::optional<Error> last;
  for (auto& t : targets) {
    auto r = remove_one(*store, t, f.force || f.all);
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
      app.add_flag("-f,--force", f->force, "Remove the image even when it has several names");
      app.add_flag("-a,--all", f->all, "Remove all images");
      return [f](Session& s) { return run_rmi(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
