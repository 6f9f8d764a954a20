#include "cli/image_lookup.hpp"

#include "image/reference.hpp"

namespace roost::cli {

Result<storage::ImageRecord> lookup_image(storage::Store& store, const std::string& text) {
  std::vector<std::string> candidates;
  if (auto c = image::local_candidates(text)) candidates = std::move(c).value();
  return store.find_image(text, candidates);
}

std::vector<std::string> repo_digests(const storage::ImageRecord& image) {
  std::vector<std::string> out;
  if (image.manifest_digest.empty()) return out;
  for (auto& n : image.names) out.push_back(split_repo_tag(n).first + "@" + image.manifest_digest);
  return out;
}

std::pair<std::string, std::string> split_repo_tag(const std::string& name) {
  std::string n = name;
  auto at = n.find('@');
  if (at != std::string::npos) n = n.substr(0, at);
  auto slash = n.find_last_of('/');
  auto colon = n.find_last_of(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash))
    return {n.substr(0, colon), n.substr(colon + 1)};
  return {n, "<none>"};
}

}  // namespace roost::cli
