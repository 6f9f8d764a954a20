#include "cli/save_items.hpp"

#include <algorithm>

#include "cli/image_lookup.hpp"
#include "image/reference.hpp"

namespace roost::cli {

Result<image::SaveItem> save_item(storage::Store& store, const std::string& text) {
  image::SaveItem item;
  item.image = ROOST_TRY(lookup_image(store, text));
  auto candidates = image::local_candidates(text);
  if (!candidates) return item;
  for (auto& c : *candidates) {
    if (std::find(item.image.names.begin(), item.image.names.end(), c) != item.image.names.end()) {
      item.names.push_back(c);
      return item;
    }
  }
  // A short name matched by repository suffix: the stored name it matched.
  for (auto& n : item.image.names) {
    auto repo = split_repo_tag(n).first;
    if (n.ends_with("/" + text) || repo.ends_with("/" + text) || repo == text) {
      item.names.push_back(n);
      break;
    }
  }
  return item;
}

}  // namespace roost::cli
