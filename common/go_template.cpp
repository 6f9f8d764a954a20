#include "common/go_template.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "common/format.hpp"

namespace roost {

using nlohmann::json;

namespace {

Error template_error(const std::string& what) { return Error(ErrorKind::invalid, "template: " + what); }

// One operand of a command: a field chain on dot or on $, a literal, or a
// parenthesised pipeline.
struct Term {
  enum class Kind { dot_fields, root_fields, literal, sub_pipeline, function } kind = Kind::literal;
  std::vector<std::string> fields;
  json literal;
  std::string name;  // function
  std::shared_ptr<struct Pipeline> sub;
};

struct Command {
  std::vector<Term> terms;  // a function call when terms[0] is a function
};

struct Pipeline {
  std::vector<Command> commands;
};

}  // namespace

struct GoTemplate::Node {
  enum class Kind { text, action, if_, range, with } kind = Kind::text;
  std::string text;
  Pipeline pipe;
  std::vector<Node> body;
  std::vector<Node> else_body;
};

namespace {

using Node = GoTemplate::Node;

// ---- parsing an action's words --------------------------------------------

class ActionLexer {
 public:
  explicit ActionLexer(std::string_view s) : s_(s) {}

  Result<Pipeline> pipeline(bool in_parens) {
    Pipeline p;
    Command cmd;
    for (;;) {
      skip_space();
      if (pos_ >= s_.size()) break;
      char c = s_[pos_];
      if (c == ')') {
        if (!in_parens) return template_error("unexpected ')' in \"" + std::string(s_) + "\"");
        ++pos_;
        closed_ = true;
        break;
      }
      if (c == '|') {
        ++pos_;
        if (cmd.terms.empty()) return template_error("missing command before '|' in \"" + std::string(s_) + "\"");
        p.commands.push_back(std::move(cmd));
        cmd = Command{};
        continue;
      }
      cmd.terms.push_back(ROOST_TRY(term()));
    }
    if (in_parens && !closed_) return template_error("unclosed '(' in \"" + std::string(s_) + "\"");
    closed_ = false;
    if (cmd.terms.empty()) return template_error("missing value in \"" + std::string(s_) + "\"");
    p.commands.push_back(std::move(cmd));
    return p;
  }

 private:
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }

  std::vector<std::string> field_chain() {
    std::vector<std::string> out;
    while (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      size_t start = pos_;
      while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
      if (pos_ > start) out.emplace_back(s_.substr(start, pos_ - start));
    }
    return out;
  }

  Result<Term> term() {
    Term t;
    char c = s_[pos_];
    if (c == '.') {
      t.kind = Term::Kind::dot_fields;
      t.fields = field_chain();
      return t;
    }
    if (c == '$') {
      ++pos_;
      t.kind = Term::Kind::root_fields;
      t.fields = field_chain();
      return t;
    }
    if (c == '(') {
      ++pos_;
      t.kind = Term::Kind::sub_pipeline;
      t.sub = std::make_shared<Pipeline>(ROOST_TRY(pipeline(true)));
      t.fields = field_chain();  // (index .X 0).Field
      return t;
    }
    if (c == '"' || c == '`') return string_literal();
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
      size_t start = pos_++;
      while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.')) ++pos_;
      std::string num(s_.substr(start, pos_ - start));
      try {
        t.literal = num.find('.') == std::string::npos ? json(std::stoll(num)) : json(std::stod(num));
      } catch (...) {
        return template_error("bad number \"" + num + "\"");
      }
      return t;
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      size_t start = pos_;
      while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
      std::string word(s_.substr(start, pos_ - start));
      if (word == "true" || word == "false") {
        t.literal = word == "true";
        return t;
      }
      if (word == "nil") return t;
      t.kind = Term::Kind::function;
      t.name = word;
      return t;
    }
    return template_error(std::string("unexpected \"") + c + "\" in \"" + std::string(s_) + "\"");
  }

  Result<Term> string_literal() {
    char quote = s_[pos_++];
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      char c = s_[pos_++];
      if (c == '\\' && quote == '"' && pos_ < s_.size()) {
        char e = s_[pos_++];
        switch (e) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case '\\': out += '\\'; break;
          case '"': out += '"'; break;
          default: out += '\\'; out += e;
        }
      } else {
        out += c;
      }
    }
    if (pos_ >= s_.size()) return template_error("unterminated quoted string in \"" + std::string(s_) + "\"");
    ++pos_;
    Term t;
    t.literal = out;
    return t;
  }

  std::string_view s_;
  size_t pos_ = 0;
  bool closed_ = false;
};

// ---- splitting the text into nodes ----------------------------------------

struct Token {
  bool action = false;
  std::string text;
};

Result<std::vector<Token>> split_actions(std::string_view text) {
  std::vector<Token> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    std::string literal(text.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos));
    if (open == std::string_view::npos) {
      if (!literal.empty()) out.push_back({false, literal});
      break;
    }
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return template_error("unclosed action in \"" + std::string(text) + "\"");
    std::string action(text.substr(open + 2, close - open - 2));
    bool trim_left = action.rfind("- ", 0) == 0 || action == "-";
    bool trim_right = action.size() >= 2 && action.compare(action.size() - 2, 2, " -") == 0;
    if (trim_left) action.erase(0, 1);
    if (trim_right) action.pop_back();
    if (trim_left) {
      while (!literal.empty() && std::isspace(static_cast<unsigned char>(literal.back()))) literal.pop_back();
    }
    if (!literal.empty()) out.push_back({false, literal});
    out.push_back({true, action});
    pos = close + 2;
    if (trim_right) {
      while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    }
  }
  return out;
}

std::string trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\n") - b + 1);
}

bool starts_word(const std::string& s, const std::string& word) {
  return s == word || (s.rfind(word + " ", 0) == 0) || (s.rfind(word + "(", 0) == 0);
}

Result<std::vector<Node>> parse_nodes(const std::vector<Token>& toks, size_t& pos, std::string& stop, bool top);

// Parses N's body up to its {{end}}, with an {{else}} branch or a chain of
// {{else if P}} branches, each an {{if P}} in the else branch before it that
// shares the one {{end}}.
Result<void> parse_block(Node& n, const std::vector<Token>& toks, size_t& pos, const std::string& opener) {
  std::string stop;
  n.body = ROOST_TRY(parse_nodes(toks, pos, stop, false));
  if (stop.empty()) return template_error("missing {{end}} for {{" + opener + "}}");
  if (stop == "end") return {};
  std::string after = trimmed(stop.substr(4));
  if (after.empty()) {
    n.else_body = ROOST_TRY(parse_nodes(toks, pos, stop, false));
    if (stop != "end") return template_error("missing {{end}} for {{" + opener + "}}");
    return {};
  }
  if (n.kind != Node::Kind::if_ || !starts_word(after, "if")) return template_error("unexpected {{" + stop + "}}");
  Node chained;
  chained.kind = Node::Kind::if_;
  chained.pipe = ROOST_TRY(ActionLexer(after.substr(2)).pipeline(false));
  ROOST_TRY(parse_block(chained, toks, pos, opener));
  n.else_body.push_back(std::move(chained));
  return {};
}

// Parses tokens from POS up to an {{end}} or {{else ...}} (returned in
// STOP), or to the end of the template when TOP.
Result<std::vector<Node>> parse_nodes(const std::vector<Token>& toks, size_t& pos, std::string& stop, bool top) {
  std::vector<Node> nodes;
  stop.clear();
  while (pos < toks.size()) {
    const Token& t = toks[pos++];
    if (!t.action) {
      nodes.push_back(Node{Node::Kind::text, t.text, {}, {}, {}});
      continue;
    }
    std::string a = trimmed(t.text);
    if (a.rfind("/*", 0) == 0) continue;  // a comment
    if (a == "end" || starts_word(a, "else")) {
      if (top) return template_error("unexpected {{" + a + "}}");
      stop = a;
      return nodes;
    }
    Node n;
    std::string rest;
    if (starts_word(a, "if")) n.kind = Node::Kind::if_, rest = a.substr(2);
    else if (starts_word(a, "range")) n.kind = Node::Kind::range, rest = a.substr(5);
    else if (starts_word(a, "with")) n.kind = Node::Kind::with, rest = a.substr(4);
    else n.kind = Node::Kind::action, rest = a;
    n.pipe = ROOST_TRY(ActionLexer(rest).pipeline(false));
    if (n.kind != Node::Kind::action) ROOST_TRY(parse_block(n, toks, pos, a));
    nodes.push_back(std::move(n));
  }
  return nodes;
}

// ---- evaluation -----------------------------------------------------------

bool truthy(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return false;
    case json::value_t::boolean: return v.get<bool>();
    case json::value_t::string: return !v.get_ref<const std::string&>().empty();
    case json::value_t::array:
    case json::value_t::object: return !v.empty();
    case json::value_t::number_integer: return v.get<int64_t>() != 0;
    case json::value_t::number_unsigned: return v.get<uint64_t>() != 0;
    case json::value_t::number_float: return v.get<double>() != 0;
    default: return true;
  }
}

std::string go_print(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "<no value>";
    case json::value_t::string: return v.get<std::string>();
    case json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + go_print(v[i]);
      return out + "]";
    }
    case json::value_t::object: {
      std::string out = "map[";
      bool first = true;
      for (auto& [k, e] : v.items()) {  // nlohmann keeps keys sorted
        out += (first ? "" : " ") + k + ":" + go_print(e);
        first = false;
      }
      return out + "]";
    }
    default: return v.dump();
  }
}

Result<json> field_of(const json& v, const std::string& name) {
  if (v.is_null()) return json();
  if (!v.is_object()) return template_error("can't evaluate field " + name + " in a " + std::string(v.type_name()));
  if (auto it = v.find(name); it != v.end()) return *it;
  const json* match = nullptr;
  for (auto& [k, e] : v.items()) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      if (match) return template_error("field " + name + " is ambiguous");
      match = &e;
    }
  }
  if (!match) return template_error("can't evaluate field " + name);
  return *match;
}

std::string go_printf(const std::string& fmt, const std::vector<json>& args) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    size_t j = i + 1;
    std::string flags;
    while (j < fmt.size() && std::string("-+ 0#").find(fmt[j]) != std::string::npos) flags += fmt[j++];
    std::string width;
    while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) width += fmt[j++];
    if (j >= fmt.size()) {
      out += fmt.substr(i);
      break;
    }
    char verb = fmt[j];
    i = j;
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (next >= args.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    const json& a = args[next++];
    std::string s = verb == 'q' ? json(go_print(a)).dump() : go_print(a);
    size_t w = width.empty() ? 0 : std::stoul(width);
    if (s.size() < w) {
      if (flags.find('-') != std::string::npos) s += std::string(w - s.size(), ' ');
      else s = std::string(w - s.size(), flags.find('0') != std::string::npos ? '0' : ' ') + s;
    }
    out += s;
  }
  return out;
}

int compare(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) {
    double x = a.get<double>(), y = b.get<double>();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  std::string x = go_print(a), y = go_print(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

class Evaluator {
 public:
  explicit Evaluator(const json& root) : root_(root) {}

  Result<void> run(const std::vector<Node>& nodes, const json& dot, std::string& out) {
    for (const Node& n : nodes) {
      switch (n.kind) {
        case Node::Kind::text: out += n.text; break;
        case Node::Kind::action: out += go_print(ROOST_TRY(pipeline(n.pipe, dot))); break;
        case Node::Kind::if_: {
          json v = ROOST_TRY(pipeline(n.pipe, dot));
          ROOST_TRY(run(truthy(v) ? n.body : n.else_body, dot, out));
          break;
        }
        case Node::Kind::with: {
          json v = ROOST_TRY(pipeline(n.pipe, dot));
          if (truthy(v)) ROOST_TRY(run(n.body, v, out));
          else ROOST_TRY(run(n.else_body, dot, out));
          break;
        }
        case Node::Kind::range: {
          json v = ROOST_TRY(pipeline(n.pipe, dot));
          if (!truthy(v)) {
            ROOST_TRY(run(n.else_body, dot, out));
            break;
          }
          if (!v.is_array() && !v.is_object()) return template_error("range can't iterate over " + go_print(v));
          for (auto& e : v) ROOST_TRY(run(n.body, e, out));
          break;
        }
      }
    }
    return {};
  }

 private:
  Result<json> pipeline(const Pipeline& p, const json& dot) {
    json last;
    bool have_last = false;
    for (const Command& c : p.commands) {
      last = ROOST_TRY(command(c, dot, have_last ? &last : nullptr));
      have_last = true;
    }
    return last;
  }

  Result<json> value(const Term& t, const json& dot) {
    switch (t.kind) {
      case Term::Kind::literal: return t.literal;
      case Term::Kind::sub_pipeline: {
        json v = ROOST_TRY(pipeline(*t.sub, dot));
        for (auto& f : t.fields) v = ROOST_TRY(field_of(v, f));
        return v;
      }
      case Term::Kind::dot_fields:
      case Term::Kind::root_fields: {
        json v = t.kind == Term::Kind::dot_fields ? dot : root_;
        for (auto& f : t.fields) v = ROOST_TRY(field_of(v, f));
        return v;
      }
      case Term::Kind::function: return call(t.name, {});
    }
    return json();
  }

  Result<json> command(const Command& c, const json& dot, const json* piped) {
    if (c.terms.front().kind != Term::Kind::function) {
      if (c.terms.size() > 1 || piped) return template_error("can't give arguments to a non-function value");
      return value(c.terms.front(), dot);
    }
    std::vector<json> args;
    for (size_t i = 1; i < c.terms.size(); ++i) args.push_back(ROOST_TRY(value(c.terms[i], dot)));
    if (piped) args.push_back(*piped);
    return call(c.terms.front().name, args);
  }

  static Result<void> arity(const std::string& name, const std::vector<json>& args, size_t min, size_t max) {
    if (args.size() < min || args.size() > max)
      return template_error("wrong number of arguments for " + name + ": " + std::to_string(args.size()));
    return {};
  }

  Result<json> call(const std::string& name, const std::vector<json>& args) {
    if (name == "json") {
      ROOST_TRY(arity(name, args, 1, 1));
      return json(args[0].dump());
    }
    if (name == "upper" || name == "lower" || name == "title") {
      ROOST_TRY(arity(name, args, 1, 1));
      std::string s = go_print(args[0]);
      bool start = true;
      for (auto& ch : s) {
        auto u = static_cast<unsigned char>(ch);
        if (name == "upper" || (name == "title" && start)) ch = static_cast<char>(std::toupper(u));
        else if (name == "lower") ch = static_cast<char>(std::tolower(u));
        start = std::isspace(u);
      }
      return json(s);
    }
    if (name == "len") {
      ROOST_TRY(arity(name, args, 1, 1));
      if (args[0].is_string()) return json(args[0].get_ref<const std::string&>().size());
      if (args[0].is_array() || args[0].is_object()) return json(args[0].size());
      return template_error("len of " + std::string(args[0].type_name()));
    }
    if (name == "index") {
      ROOST_TRY(arity(name, args, 1, 16));
      json v = args[0];
      for (size_t i = 1; i < args.size(); ++i) {
        if (v.is_array() && args[i].is_number_integer()) {
          auto k = args[i].get<int64_t>();
          if (k < 0 || static_cast<size_t>(k) >= v.size()) return template_error("index out of range: " + std::to_string(k));
          v = json(v[static_cast<size_t>(k)]);
        } else if (v.is_object() && args[i].is_string()) {
          auto it = v.find(args[i].get<std::string>());
          v = it == v.end() ? json() : json(*it);
        } else if (v.is_null()) {
          return json();
        } else {
          return template_error("can't index " + std::string(v.type_name()) + " with " + args[i].dump());
        }
      }
      return v;
    }
    if (name == "join") {
      ROOST_TRY(arity(name, args, 2, 2));
      if (!args[0].is_array() && !args[0].is_null()) return template_error("join of " + std::string(args[0].type_name()));
      std::string out, sep = go_print(args[1]);
      bool first = true;
      if (args[0].is_array())
        for (auto& e : args[0]) out += (first ? "" : sep) + go_print(e), first = false;
      return json(out);
    }
    if (name == "truncate") {
      ROOST_TRY(arity(name, args, 2, 2));
      std::string s = go_print(args[0]);
      if (!args[1].is_number_integer()) return template_error("truncate needs a length");
      auto n = static_cast<size_t>(std::max<int64_t>(0, args[1].get<int64_t>()));
      return json(s.substr(0, n));
    }
    if (name == "printf") {
      ROOST_TRY(arity(name, args, 1, 32));
      return json(go_printf(go_print(args[0]), {args.begin() + 1, args.end()}));
    }
    if (name == "print" || name == "println") {
      std::string out;
      for (size_t i = 0; i < args.size(); ++i) {
        bool space = i > 0 && (name == "println" || (!args[i].is_string() && !args[i - 1].is_string()));
        out += (space ? " " : "") + go_print(args[i]);
      }
      if (name == "println") out += "\n";
      return json(out);
    }
    if (name == "not") {
      ROOST_TRY(arity(name, args, 1, 1));
      return json(!truthy(args[0]));
    }
    if (name == "and" || name == "or") {
      ROOST_TRY(arity(name, args, 1, 32));
      for (size_t i = 0; i + 1 < args.size(); ++i)
        if (truthy(args[i]) != (name == "and")) return args[i];
      return args.back();
    }
    if (name == "eq" || name == "ne" || name == "lt" || name == "le" || name == "gt" || name == "ge") {
      ROOST_TRY(arity(name, args, 2, name == "eq" ? 16 : 2));
      if (name == "eq") {
        for (size_t i = 1; i < args.size(); ++i)
          if (compare(args[0], args[i]) == 0) return json(true);
        return json(false);
      }
      int c = compare(args[0], args[1]);
      bool r = name == "ne" ? c != 0 : name == "lt" ? c < 0 : name == "le" ? c <= 0 : name == "gt" ? c > 0 : c >= 0;
      return json(r);
    }
    return template_error("function \"" + name + "\" not defined");
  }

  const json& root_;
};

}  // namespace

Result<GoTemplate> GoTemplate::parse(std::string_view text) {
  auto toks = ROOST_TRY(split_actions(text));
  size_t pos = 0;
  std::string stop;
  auto nodes = ROOST_TRY(parse_nodes(toks, pos, stop, true));
  return GoTemplate(std::make_shared<const std::vector<Node>>(std::move(nodes)));
}

Result<std::string> GoTemplate::render(const json& dot) const {
  std::string out;
  Evaluator ev(dot);
  ROOST_TRY(ev.run(*nodes_, dot, out));
  return out;
}

FormatSpec parse_format(std::string_view format) {
  FormatSpec f;
  std::string s(format);
  if (s.rfind("table", 0) == 0 && (s.size() == 5 || std::isspace(static_cast<unsigned char>(s[5])))) {
    f.table = true;
    s = s.size() > 5 ? s.substr(6) : "";
  }
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 't' || s[i + 1] == 'n')) {
      out += s[i + 1] == 't' ? '\t' : '\n';
      ++i;
    } else {
      out += s[i];
    }
  }
  f.body = out;
  return f;
}

std::string table_header(std::string_view body, const std::vector<std::pair<std::string, std::string>>& headers) {
  // Each action's first field names its column; the text between actions
  // (tabs, spaces) is kept.
  std::string out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t open = body.find("{{", pos);
    if (open == std::string_view::npos) {
      out += body.substr(pos);
      break;
    }
    out += body.substr(pos, open - pos);
    size_t close = body.find("}}", open);
    if (close == std::string_view::npos) break;
    std::string action(body.substr(open + 2, close - open - 2));
    size_t dot = action.find('.');
    std::string field;
    if (dot != std::string::npos) {
      size_t end = dot + 1;
      while (end < action.size() && (std::isalnum(static_cast<unsigned char>(action[end])) || action[end] == '_')) ++end;
      field = action.substr(dot + 1, end - dot - 1);
    }
    std::string header;
    for (auto& [name, h] : headers)
      if (name == field) header = h;
    if (header.empty()) {
      header = field;
      for (auto& ch : header) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    out += header;
    pos = close + 2;
  }
  return out;
}

Result<std::string> render_format(std::string_view format, const std::vector<json>& rows,
                                  const std::vector<std::pair<std::string, std::string>>& headers) {
  FormatSpec spec = parse_format(format);
  auto tmpl = ROOST_TRY(GoTemplate::parse(spec.body));
  if (!spec.table) {
    std::string out;
    for (auto& r : rows) {
      std::string line = ROOST_TRY(tmpl.render(r));
      out += line;
      if (line.empty() || line.back() != '\n') out += '\n';
    }
    return out;
  }
  auto split_tabs = [](const std::string& line) {
    std::vector<std::string> cells;
    size_t start = 0;
    for (size_t i = 0; i <= line.size(); ++i) {
      if (i == line.size() || line[i] == '\t') {
        cells.push_back(line.substr(start, i - start));
        start = i + 1;
      }
    }
    return cells;
  };
  std::vector<std::vector<std::string>> table{split_tabs(table_header(spec.body, headers))};
  for (auto& r : rows) {
    std::string line = ROOST_TRY(tmpl.render(r));
    while (!line.empty() && line.back() == '\n') line.pop_back();
    table.push_back(split_tabs(line));
  }
  return render_table(table);
}

}  // namespace roost
