// roost history / roost image history [--no-trunc] [-q] [--format F] IMAGE
#include <algorithm>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/image_lookup.hpp"
#include "cli/verb.hpp"
#include "common/format.hpp"
#include "common/go_template.hpp"

namespace roost::cli {
namespace {

using nlohmann::json;

struct HistoryFlags {
  bool no_trunc = false;
  bool quiet = false;
  bool human = true;
  std::string format;
  std::string image;
};

struct Step {
  std::string id;  // the image ID for the top step, "<missing>" below it
  std::time_t created = 0;
  std::string created_by;
  std::string comment;
  uint64_t size = 0;
};

// The config's history, newest first, each non-empty step given the size of
// its layer. Without a history (or with fewer steps than layers) the layers
// left over get steps of their own, as podman shows them.
std::vector<Step> history_of(storage::Store& store, const storage::ImageRecord& img) {
  std::vector<uint64_t> sizes;
  for (auto& id : img.layers) {
    auto l = store.layer(id);
    sizes.push_back(l ? l->size : 0);
  }
  std::vector<Step> steps;
  size_t layer = 0;
  auto config = json::parse(img.config_json, nullptr, false);
  if (config.is_object() && config.contains("history") && config["history"].is_array()) {
    for (auto& h : config["history"]) {
      if (!h.is_object()) continue;
      Step s;
      s.created = parse_rfc3339(h.value("created", ""));
      s.created_by = h.value("created_by", "");
      s.comment = h.value("comment", "");
      if (!h.value("empty_layer", false) && layer < sizes.size()) s.size = sizes[layer++];
      steps.push_back(std::move(s));
    }
  }
  for (; layer < sizes.size(); ++layer) steps.push_back(Step{"", img.created, "", "", sizes[layer]});
  std::reverse(steps.begin(), steps.end());
  for (size_t i = 0; i < steps.size(); ++i) steps[i].id = i == 0 ? img.id : "<missing>";
  return steps;
}

Result<int> run_history(Session& s, const HistoryFlags& f) {
  auto store = ROOST_TRY(s.store());
  auto img = ROOST_TRY(lookup_image(*store, f.image));
  auto steps = history_of(*store, img);
  auto short_id = [&](const std::string& id) { return f.no_trunc || id == "<missing>" ? id : id.substr(0, 12); };
  if (f.quiet) {
    for (auto& st : steps) std::cout << short_id(st.id) << "\n";
    return 0;
  }
  std::time_t now = std::time(nullptr);
  if (f.format == "json") {
    json out = json::array();
    for (auto& st : steps) {
      json row = {{"id", st.id}, {"created", rfc3339(st.created)}, {"CreatedBy", st.created_by}, {"size", st.size}};
      if (!st.comment.empty()) row["comment"] = st.comment;
      out.push_back(row);
    }
    std::cout << out.dump(4) << "\n";
    return 0;
  }
  if (!f.format.empty() && f.format != "table") {
    std::vector<json> rows;
    for (auto& st : steps)
      rows.push_back({{"ID", short_id(st.id)},
                      {"Created", f.human ? human_ago(st.created, now) : rfc3339(st.created)},
                      {"CreatedSince", human_ago(st.created, now)},
                      {"CreatedAt", rfc3339(st.created)},
                      {"CreatedBy", st.created_by},
                      {"Size", f.human ? human_size(st.size) : std::to_string(st.size)},
                      {"Comment", st.comment},
                      {"Tags", json::array()}});
    std::cout << ROOST_TRY(render_format(f.format, rows,
                                         {{"ID", "ID"}, {"Created", "CREATED"}, {"CreatedSince", "CREATED"}, {"CreatedAt", "CREATED AT"},
                                          {"CreatedBy", "CREATED BY"}, {"Size", "SIZE"}, {"Comment", "COMMENT"}}));
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "CREATED", "CREATED BY", "SIZE", "COMMENT"}};
  for (auto& st : steps) {
    std::string by = st.created_by;
    if (!f.no_trunc && by.size() > 45) by = by.substr(0, 42) + "...";
    rows.push_back({short_id(st.id), f.human ? human_ago(st.created, now) : rfc3339(st.created), by,
                    f.human ? human_size(st.size) : std::to_string(st.size), st.comment});
  }
  std::cout << render_table(rows);
  return 0;
}

VerbRegistrar reg({
    {"history", "image history"},
    "Show history of a specified image",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<HistoryFlags>();
      app.add_flag("--no-trunc", f->no_trunc, "Do not truncate the output");
      app.add_flag("-q,--quiet", f->quiet, "Display the numeric IDs only");
      app.add_flag("-H,--human{true}", f->human, "Display sizes and dates in human readable format")->default_str("true");
      app.add_option("--format", f->format, "Change the output to JSON or a Go template");
      app.add_option("image", f->image, "Image (name or ID)")->required();
      return [f](Session& s) { return run_history(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
