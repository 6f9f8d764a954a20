// The part of Go's text/template that people put in --format for podman and
// docker, evaluated against JSON data:
//
//   {{.A.B}}  {{.}}  {{$}}                 fields (exact name, else the only
//                                          case-insensitive match, so {{.ID}}
//                                          finds "Id")
//   {{json .X}}  {{.X | json}}              JSON, compact as Go's json.Marshal
//   {{index .X "key" 0}}  {{len .X}}
//   {{upper .X}} {{lower .X}} {{title .X}} {{join .X ", "}}
//   {{printf "%s-%d" .A .B}} {{println .X}} {{truncate .X 12}}
//   {{if P}}..{{else if P}}..{{else}}..{{end}}, {{range P}}..{{else}}..{{end}},
//   {{with P}}..{{end}}, {{eq A B}} {{ne A B}} {{not A}} {{and A B}} {{or A B}}
//   "strings", numbers, true/false, and trim markers {{- and -}}.
//
// Values print as Go prints them: strings raw, integers without a fraction,
// lists as [a b], maps as map[k:v], a missing map key as <no value>.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace roost {

class GoTemplate {
 public:
  // Errors name the template and what is wrong in it ("template: unclosed
  // action", "function \"foo\" not defined").
  static Result<GoTemplate> parse(std::string_view text);
  Result<std::string> render(const nlohmann::json& dot) const;

  struct Node;

 private:
  explicit GoTemplate(std::shared_ptr<const std::vector<Node>> nodes) : nodes_(std::move(nodes)) {}
  std::shared_ptr<const std::vector<Node>> nodes_;
};

// --format as podman reads it: a literal `\t` or `\n` becomes a tab or a
// newline, and a leading "table " asks for a table.
struct FormatSpec {
  bool table = false;
  std::string body;  // the template without "table "
};
FormatSpec parse_format(std::string_view format);

// The header of a table column for a template's fields: "{{.ID}}" ->
// "ID", with the names podman gives (CONTAINER ID, CREATED, ...) taken from
// HEADERS (field name -> header; unlisted fields are upper-cased).
std::string table_header(std::string_view body, const std::vector<std::pair<std::string, std::string>>& headers);

// Renders ROWS with the template of a --format value: a table (tab-separated
// columns aligned, with the header row) or one rendered line per row.
Result<std::string> render_format(std::string_view format, const std::vector<nlohmann::json>& rows,
                                  const std::vector<std::pair<std::string, std::string>>& headers);

}  // namespace roost
