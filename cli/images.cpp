// roost images / roost image ls
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/image_lookup.hpp"
#include "cli/verb.hpp"
#include "common/format.hpp"
#include "common/go_template.hpp"

namespace roost::cli {
namespace {

struct ImagesFlags {
  bool quiet = false;
  bool no_trunc = false;
  bool all = false;
  bool digests = false;
  std::string format;
  std::string filter_name;
};

nlohmann::json image_json(const storage::ImageRecord& img) {
  auto config = nlohmann::json::parse(img.config_json, nullptr, false);
  nlohmann::json labels = nullptr;
  if (config.is_object() && config.contains("config") && config["config"].is_object() && config["config"].contains("Labels"))
    labels = config["config"]["Labels"];
  nlohmann::json digests = repo_digests(img);
  return {
      {"Id", img.id},
      {"ParentId", ""},
      {"RepoTags", img.names.empty() ? nlohmann::json(nullptr) : nlohmann::json(img.names)},
      {"RepoDigests", digests},
      {"Size", img.size},
      {"SharedSize", 0},
      {"VirtualSize", img.size},
      {"Labels", labels},
      {"Containers", 0},
      {"Names", img.names.empty() ? nlohmann::json(nullptr) : nlohmann::json(img.names)},
      {"Digest", img.manifest_digest},
      {"Created", img.created},
      {"CreatedAt", rfc3339(img.created)},
  };
}

Result<int> run_images(Session& s, const ImagesFlags& f) {
  auto store = ROOST_TRY(s.store());
  auto images = store->images();
  if (!f.filter_name.empty()) {
    auto wanted = ROOST_TRY(lookup_image(*store, f.filter_name));
    std::erase_if(images, [&](const storage::ImageRecord& r) { return r.id != wanted.id; });
  }
  std::stable_sort(images.begin(), images.end(),
                   [](const storage::ImageRecord& a, const storage::ImageRecord& b) { return a.created > b.created; });
  if (f.format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (auto& img : images) out.push_back(image_json(img));
    std::cout << out.dump(4) << "\n";
    return 0;
  }
  auto short_id = [&](const std::string& id) { return f.no_trunc ? "sha256:" + id : id.substr(0, 12); };
  std::time_t now = std::time(nullptr);
  if (!f.format.empty() && f.format != "table") {
    // One row per name, with the fields podman's image templates know.
    std::vector<nlohmann::json> rows;
    for (auto& img : images) {
      std::vector<std::string> names = img.names;
      if (names.empty()) names.push_back("<none>:<none>");
      for (auto& n : names) {
        auto [repo, tag] = split_repo_tag(n);
        nlohmann::json row = image_json(img);
        row["ID"] = short_id(img.id);
        row["Repository"] = repo;
        row["Tag"] = tag;
        row["Digest"] = img.manifest_digest.empty() ? "<none>" : img.manifest_digest;
        row["Created"] = human_ago(img.created, now);
        row["CreatedSince"] = human_ago(img.created, now);
        row["CreatedAt"] = rfc3339(img.created);
        row["Size"] = human_size(img.size);
        row["ReadOnly"] = false;
        rows.push_back(std::move(row));
      }
    }
    std::cout << ROOST_TRY(render_format(f.format, rows,
                                         {{"ID", "IMAGE ID"}, {"Created", "CREATED"}, {"CreatedSince", "CREATED"},
                                          {"CreatedAt", "CREATED AT"}}));
    return 0;
  }
  if (f.quiet) {
    std::set<std::string> seen;
    for (auto& img : images)
      if (seen.insert(img.id).second) std::cout << short_id(img.id) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"REPOSITORY", "TAG"};
  if (f.digests) header.push_back("DIGEST");
  for (auto h : {"IMAGE ID", "CREATED", "SIZE"}) header.push_back(h);
  rows.push_back(header);
  for (auto& img : images) {
    std::vector<std::string> names = img.names;
    if (names.empty()) names.push_back("<none>:<none>");
    for (auto& n : names) {
      auto [repo, tag] = split_repo_tag(n);
      std::vector<std::string> row = {repo, tag};
      if (f.digests) row.push_back(img.manifest_digest.empty() ? "<none>" : img.manifest_digest);
      row.push_back(short_id(img.id));
      row.push_back(human_ago(img.created, now));
      row.push_back(human_size(img.size));
      rows.push_back(row);
    }
  }
  std::cout << render_table(rows);
  return 0;
}

VerbRegistrar reg({
    {"images", "image ls", "image list"},
    "List images in local storage",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<ImagesFlags>();
      app.add_option("image", f->filter_name, "Show only this image");
      app.add_flag("-q,--quiet", f->quiet, "Display only image IDs");
      app.add_flag("--no-trunc", f->no_trunc, "Do not truncate output");
      app.add_flag("-a,--all", f->all, "Show all images (intermediate images are never hidden in roost)");
      app.add_flag("--digests", f->digests, "Show digests");
      app.add_option("--format", f->format, "Output format: json, table, or a Go template ('{{.Repository}}:{{.Tag}}')");
      return [f](Session& s) { return run_images(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
