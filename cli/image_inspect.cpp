// roost image inspect
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/image_inspect.hpp"
#include "cli/image_lookup.hpp"
#include "cli/inspect_output.hpp"
#include "cli/verb.hpp"
#include "common/format.hpp"

namespace roost::cli {

using nlohmann::json;

static json str_or_empty(const json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) ? obj[key] : json("");
}

json image_inspect_json(storage::Store& store, const storage::ImageRecord& img) {
  json config = json::parse(img.config_json, nullptr, false);
  if (!config.is_object()) config = json::object();
  json cfg = config.value("config", json::object());
  if (!cfg.is_object()) cfg = json::object();
  json digests = repo_digests(img);
  json diff_ids = json::array();
  for (auto& l : img.layers)
    if (auto rec = store.layer(l)) diff_ids.push_back(rec->diff_id);
  json graph = {{"Name", storage::driver_name(store.options().driver)}, {"Data", json::object()}};
  if (!img.layers.empty()) {
    graph["Data"]["UpperDir"] = store.layer_dir(img.layers.back());
    std::string lower;
    for (size_t i = img.layers.size() - 1; i-- > 0;) lower += (lower.empty() ? "" : ":") + store.layer_dir(img.layers[i]);
    if (!lower.empty()) graph["Data"]["LowerDir"] = lower;
  }
  return {
      {"Id", img.id},
      {"Digest", img.manifest_digest},
      {"RepoTags", img.names},
      {"RepoDigests", digests},
      {"Parent", ""},
      {"Comment", str_or_empty(config, "comment")},
      {"Created", config.value("created", rfc3339(img.created))},
      {"Config", cfg},
      {"Version", str_or_empty(config, "docker_version")},
      {"Author", str_or_empty(config, "author")},
      {"Architecture", str_or_empty(config, "architecture")},
      {"Os", str_or_empty(config, "os")},
      {"Size", img.size},
      {"VirtualSize", img.size},
      {"GraphDriver", graph},
      {"RootFS", {{"Type", "layers"}, {"Layers", diff_ids}}},
      {"Labels", cfg.contains("Labels") ? cfg["Labels"] : json(nullptr)},
      {"Annotations", json::object()},
      {"ManifestType", img.manifest_type},
      {"User", cfg.value("User", "")},
      {"History", config.value("history", json::array())},
      {"NamesHistory", img.names},
  };
}

namespace {

using nlohmann::json;

struct InspectFlags {
  std::vector<std::string> images;
  std::string format;
};

Result<int> run_inspect(Session& s, const InspectFlags& f) {
  auto store = ROOST_TRY(s.store());
  json out = json::array();
  std::optional<Error> failed;
  for (auto& name : f.images) {
    auto img = lookup_image(*store, name);
    if (!img) {
      if (failed) std::cerr << "Error: " << failed->str() << "\n";
      failed = std::move(img).error();
      continue;
    }
    out.push_back(image_inspect_json(*store, *img));
  }
  ROOST_TRY(print_inspected(out, f.format));
  if (failed) return std::move(*failed);
  return 0;
}

RunFn setup_inspect(CLI::App& app) {
  auto f = std::make_shared<InspectFlags>();
  app.add_option("images", f->images, "Images to inspect")->required();
  app.add_option("-f,--format", f->format, "Output format: json, or a Go template ('{{.State.Status}}')");
  return [f](Session& s) { return run_inspect(s, *f); };
}

VerbRegistrar reg({{"image inspect"}, "Display the configuration of one or more images", setup_inspect});

}  // namespace
}  // namespace roost::cli
