#include <boost/test/unit_test.hpp>

#include "common/go_template.hpp"

using nlohmann::json;
using roost::GoTemplate;

namespace {

std::string render(const std::string& tmpl, const json& data) {
  auto t = GoTemplate::parse(tmpl);
  BOOST_REQUIRE_MESSAGE(t, tmpl + ": " + (t ? "" : t.error().str()));
  auto out = t->render(data);
  BOOST_REQUIRE_MESSAGE(out, tmpl + ": " + (out ? "" : out.error().str()));
  return *out;
}

std::string error_of(const std::string& tmpl, const json& data) {
  auto t = GoTemplate::parse(tmpl);
  if (!t) return t.error().str();
  auto out = t->render(data);
  BOOST_REQUIRE_MESSAGE(!out, tmpl + " should fail, gave: " + (out ? *out : ""));
  return out.error().str();
}

const json kContainer = {
    {"Id", "0123456789abcdef"},
    {"Name", "web"},
    {"State", {{"Status", "running"}, {"ExitCode", 0}, {"Running", true}, {"Pid", 42}}},
    {"Config", {{"Env", {"PATH=/bin", "A=b"}}, {"Labels", {{"app", "x"}, {"tier", "db"}}}, {"Cmd", json::array()}}},
    {"Ratio", 1.5},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(go_template)

BOOST_AUTO_TEST_CASE(fields_print_as_go_does) {
  BOOST_TEST(render("{{.Name}} {{.State.Status}} {{.State.Pid}} {{.State.Running}}", kContainer) == "web running 42 true");
  BOOST_TEST(render("{{.Config.Env}}", kContainer) == "[PATH=/bin A=b]");
  BOOST_TEST(render("{{.Config.Labels}}", kContainer) == "map[app:x tier:db]");
  BOOST_TEST(render("{{.Ratio}}", kContainer) == "1.5");
  BOOST_TEST(render("plain text", kContainer) == "plain text");
}

BOOST_AUTO_TEST_CASE(field_names_fall_back_to_case_insensitive) {
  BOOST_TEST(render("{{.ID}}", kContainer) == "0123456789abcdef");
  BOOST_TEST(error_of("{{.Nope}}", kContainer).find("can't evaluate field Nope") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(json_function_and_pipe) {
  BOOST_TEST(render("{{json .Config.Env}}", kContainer) == R"(["PATH=/bin","A=b"])");
  BOOST_TEST(render("{{.State | json}}", kContainer) ==
             R"({"ExitCode":0,"Pid":42,"Running":true,"Status":"running"})");
  BOOST_TEST(render("{{json .Name}}", kContainer) == "\"web\"");
}

BOOST_AUTO_TEST_CASE(functions) {
  BOOST_TEST(render(R"({{index .Config.Labels "app"}})", kContainer) == "x");
  BOOST_TEST(render(R"({{index .Config.Env 1}})", kContainer) == "A=b");
  BOOST_TEST(render(R"({{index .Config.Labels "missing"}})", kContainer) == "<no value>");
  BOOST_TEST(render("{{len .Config.Env}}", kContainer) == "2");
  BOOST_TEST(render("{{upper .Name}} {{lower \"ABC\"}} {{title \"hello world\"}}", kContainer) == "WEB abc Hello World");
  BOOST_TEST(render(R"({{join .Config.Env ","}})", kContainer) == "PATH=/bin,A=b");
  BOOST_TEST(render(R"({{printf "%s:%d|%-5s|%5s|" .Name .State.Pid "ab" "cd"}})", kContainer) == "web:42|ab   |   cd|");
  BOOST_TEST(render("{{truncate .Id 4}}", kContainer) == "0123");
  BOOST_TEST(render("{{println .Name}}", kContainer) == "web\n");
  BOOST_TEST(render("{{.Name | upper}}", kContainer) == "WEB");
  BOOST_TEST(render("{{(index .Config.Env 1)}} {{(.State).Status}}", kContainer) == "A=b running");
}

BOOST_AUTO_TEST_CASE(conditions_and_loops) {
  BOOST_TEST(render(R"({{if eq .State.Status "running"}}up{{else}}down{{end}})", kContainer) == "up");
  BOOST_TEST(render(R"({{if eq .State.Status "exited"}}a{{else if .State.Running}}b{{else}}c{{end}})", kContainer) ==
             "b");
  BOOST_TEST(render(R"({{if ne .State.Pid 42}}a{{else if not .State.Running}}b{{else}}c{{end}})", kContainer) == "c");
  BOOST_TEST(render("{{range .Config.Env}}[{{.}}]{{end}}", kContainer) == "[PATH=/bin][A=b]");
  BOOST_TEST(render("{{range .Config.Cmd}}x{{else}}none{{end}}", kContainer) == "none");
  BOOST_TEST(render("{{range .Config.Env}}{{$.Name}}:{{.}} {{end}}", kContainer) == "web:PATH=/bin web:A=b ");
  BOOST_TEST(render("{{with .State}}{{.Status}}{{end}}", kContainer) == "running");
  BOOST_TEST(render("{{if and .State.Running (gt .State.Pid 1)}}yes{{end}}", kContainer) == "yes");
  BOOST_TEST(render("{{- /* comment */ -}} a  {{- .Name -}}  b", kContainer) == "awebb");
}

BOOST_AUTO_TEST_CASE(bad_templates_are_named_errors) {
  BOOST_TEST(error_of("{{.Name", kContainer).find("unclosed action") != std::string::npos);
  BOOST_TEST(error_of("{{if .Name}}x", kContainer).find("missing {{end}}") != std::string::npos);
  BOOST_TEST(error_of("{{end}}", kContainer).find("unexpected {{end}}") != std::string::npos);
  BOOST_TEST(error_of("{{frob .Name}}", kContainer).find("function \"frob\" not defined") != std::string::npos);
  BOOST_TEST(error_of("{{\"abc}}", kContainer).find("unterminated quoted string") != std::string::npos);
  BOOST_TEST(error_of("{{index .Config.Env 7}}", kContainer).find("index out of range") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(format_strings_as_podman_reads_them) {
  auto f = roost::parse_format(R"(table {{.ID}}\t{{.Names}})");
  BOOST_TEST(f.table);
  BOOST_TEST(f.body == "{{.ID}}\t{{.Names}}");
  BOOST_TEST(!roost::parse_format("{{.ID}}").table);
  BOOST_TEST(roost::table_header("{{.ID}}\t{{.Names}}\t{{.Foo}}", {{"ID", "CONTAINER ID"}}) == "CONTAINER ID\tNAMES\tFOO");

  std::vector<json> rows{{{"ID", "abc"}, {"Names", "first"}}, {{"ID", "defgh"}, {"Names", "second"}}};
  auto lines = roost::render_format("{{.ID}} {{.Names}}", rows, {});
  BOOST_REQUIRE(lines);
  BOOST_TEST(*lines == "abc first\ndefgh second\n");
  auto table = roost::render_format(R"(table {{.ID}}\t{{.Names}})", rows, {{"ID", "CONTAINER ID"}});
  BOOST_REQUIRE(table);
  BOOST_TEST(*table == "CONTAINER ID   NAMES\nabc            first\ndefgh          second\n");
}

BOOST_AUTO_TEST_SUITE_END()
