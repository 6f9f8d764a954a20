#include "image/registries_conf.hpp"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <variant>

#include "common/fd.hpp"

namespace roost::image {
namespace {

using Value = std::variant<std::string, bool, std::vector<std::string>>;

// A line-oriented reader for the TOML subset: comments, [table] and
// [[array-table]] headers, key = value with basic or literal strings,
// booleans, integers (kept as text) and arrays of strings (may span lines).
class Parser {
 public:
  Parser(const std::string& text, const std::string& file) : t_(text), file_(file) {}

  Error error(const std::string& msg) const {
    return make_error(ErrorKind::invalid, file_ + ":" + std::to_string(line_) + ": " + msg);
  }

  Result<RegistriesConf> run() {
    RegistriesConf conf;
    conf.source = file_;
    std::string table;  // "", "registry", "registry.mirror", "aliases"
    while (skip_blank_lines(), i_ < t_.size()) {
      if (t_[i_] == '[') {
        bool array = t_.compare(i_, 2, "[[") == 0;
        i_ += array ? 2 : 1;
        skip_ws();
        std::string name = ROOST_TRY(key());
        while (peek() == '.') {
          ++i_;
          name += "." + ROOST_TRY(key());
        }
        skip_ws();
        if (t_.compare(i_, array ? 2 : 1, array ? "]]" : "]") != 0) return error("expected ']' after table name");
        i_ += array ? 2 : 1;
        ROOST_TRY(end_of_line());
        if (array && name == "registry") {
          conf.registries.emplace_back();
        } else if (array && name == "registry.mirror") {
          if (conf.registries.empty()) return error("[[registry.mirror]] before any [[registry]]");
          conf.registries.back().mirrors.emplace_back();
        } else if (!array && name == "aliases") {
        } else if (name.rfind("registries.", 0) == 0) {
          return error("[" + name + "] is the version 1 format, which roost does not read: use unqualified-search-registries and [[registry]]");
        } else {
          return error("unknown table [" + std::string(array ? "[" : "") + name + (array ? "]" : "") + "]");
        }
        table = name;
        continue;
      }
      std::string k = ROOST_TRY(key());
      skip_ws();
      if (peek() != '=') return error("expected '=' after key \"" + k + "\"");
      ++i_;
      skip_ws();
      Value v = ROOST_TRY(value());
      ROOST_TRY(end_of_line());
      ROOST_TRY(assign(conf, table, k, v));
    }
    return conf;
  }

 private:
  const std::string& t_;
  const std::string& file_;
  size_t i_ = 0;
  int line_ = 1;

  char peek() const { return i_ < t_.size() ? t_[i_] : '\0'; }
  void skip_ws() {
    while (peek() == ' ' || peek() == '\t') ++i_;
  }
  void skip_comment() {
    if (peek() == '#')
      while (i_ < t_.size() && t_[i_] != '\n') ++i_;
  }
  void skip_blank_lines() {
    for (;;) {
      skip_ws();
      skip_comment();
      if (peek() == '\r') ++i_;
      if (peek() != '\n') return;
      ++i_;
      ++line_;
    }
  }
  Result<void> end_of_line() {
    skip_ws();
    skip_comment();
    if (peek() == '\r') ++i_;
    if (i_ < t_.size() && t_[i_] != '\n') return error("unexpected text after the value");
    return {};
  }

  Result<std::string> key() {
    if (peek() == '"' || peek() == '\'') return string_value();
    size_t start = i_;
    while (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '-' || peek() == '_') ++i_;
    if (i_ == start) return error("expected a key");
    return t_.substr(start, i_ - start);
  }

  Result<std::string> string_value() {
    char q = t_[i_++];
    std::string out;
    while (i_ < t_.size() && t_[i_] != q) {
      char c = t_[i_++];
      if (c == '\n') return error("newline inside a string");
      if (c == '\\' && q == '"') {
        char e = peek();
        ++i_;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          default: return error(std::string("unsupported escape \\") + e);
        }
        continue;
      }
      out += c;
    }
    if (i_ >= t_.size()) return error("unterminated string");
    ++i_;
    return out;
  }

  Result<Value> value() {
    char c = peek();
    if (c == '"' || c == '\'') return Value(ROOST_TRY(string_value()));
    if (t_.compare(i_, 4, "true") == 0) {
      i_ += 4;
      return Value(true);
    }
    if (t_.compare(i_, 5, "false") == 0) {
      i_ += 5;
      return Value(false);
    }
    if (c == '[') {
      ++i_;
      std::vector<std::string> items;
      for (;;) {
        skip_blank_lines();
        if (peek() == ']') {
          ++i_;
          return Value(items);
        }
        if (peek() != '"' && peek() != '\'') return error("expected a string in the array");
        items.push_back(ROOST_TRY(string_value()));
        skip_blank_lines();
        if (peek() == ',') ++i_;
        else if (peek() != ']') return error("expected ',' or ']' in the array");
      }
    }
    return error("unsupported value (use a \"string\", true, false or an array of strings)");
  }

  Result<std::string> as_string(const Value& v, const std::string& k) const {
    if (auto* s = std::get_if<std::string>(&v)) return *s;
    return error("\"" + k + "\" must be a string");
  }
  Result<bool> as_bool(const Value& v, const std::string& k) const {
    if (auto* b = std::get_if<bool>(&v)) return *b;
    return error("\"" + k + "\" must be true or false");
  }

  Result<void> assign(RegistriesConf& conf, const std::string& table, const std::string& k, const Value& v) {
    if (table.empty()) {
      if (k == "unqualified-search-registries") {
        auto* list = std::get_if<std::vector<std::string>>(&v);
        if (!list) return error("\"unqualified-search-registries\" must be an array of strings");
        conf.unqualified_search = *list;
      } else if (k == "short-name-mode") {
        conf.short_name_mode = ROOST_TRY(as_string(v, k));
        if (conf.short_name_mode != "enforcing" && conf.short_name_mode != "permissive" && conf.short_name_mode != "disabled")
          return error("short-name-mode must be enforcing, permissive or disabled");
      } else if (k == "credential-helpers") {
        // Helper programs are not run by roost; auth files are read directly.
      } else {
        return error("unknown key \"" + k + "\"");
      }
    } else if (table == "aliases") {
      conf.aliases[k] = ROOST_TRY(as_string(v, k));
    } else if (table == "registry") {
      auto& r = conf.registries.back();
      if (k == "location") r.location = ROOST_TRY(as_string(v, k));
      else if (k == "prefix") r.prefix = ROOST_TRY(as_string(v, k));
      else if (k == "insecure") r.insecure = ROOST_TRY(as_bool(v, k));
      else if (k == "blocked") r.blocked = ROOST_TRY(as_bool(v, k));
      else if (k == "mirror-by-digest-only") r.mirror_by_digest_only = ROOST_TRY(as_bool(v, k));
      else return error("unknown key \"" + k + "\" in [[registry]]");
    } else if (table == "registry.mirror") {
      auto& m = conf.registries.back().mirrors.back();
      if (k == "location") m.location = ROOST_TRY(as_string(v, k));
      else if (k == "insecure") m.insecure = ROOST_TRY(as_bool(v, k));
      else if (k == "pull-from-mirror") {
        m.pull_from = ROOST_TRY(as_string(v, k));
        if (m.pull_from != "all" && m.pull_from != "digest-only" && m.pull_from != "tag-only")
          return error("pull-from-mirror must be all, digest-only or tag-only");
      }
      else return error("unknown key \"" + k + "\" in [[registry.mirror]]");
    }
    return {};
  }
};

}  // namespace

Result<RegistriesConf> parse_registries_conf(const std::string& text, const std::string& file) {
  auto conf = ROOST_TRY(Parser(text, file).run());
  for (auto& r : conf.registries) {
    if (r.prefix.empty()) r.prefix = r.location;
    if (r.prefix.empty())
      return make_error(ErrorKind::invalid, file + ": a [[registry]] has neither location nor prefix");
    if (r.location.empty()) r.location = r.prefix;
  }
  return conf;
}

Result<RegistriesConf> load_registries_conf() {
  std::vector<std::string> files;
  if (const char* env = std::getenv("CONTAINERS_REGISTRIES_CONF"); env && *env) {
    files.push_back(env);
  } else {
    if (::getuid() != 0) {
      const char* xdg = std::getenv("XDG_CONFIG_HOME");
      const char* home = std::getenv("HOME");
      if (xdg && *xdg) files.push_back(std::string(xdg) + "/containers/registries.conf");
      else if (home && *home) files.push_back(std::string(home) + "/.config/containers/registries.conf");
    }
    files.push_back("/etc/containers/registries.conf");
  }
  for (auto& f : files) {
    auto text = read_file(f);
    if (!text) {
      if (text.error().errnum() == ENOENT) continue;
      return std::move(text).error();
    }
    return parse_registries_conf(*text, f);
  }
  return RegistriesConf{};
}

const RegistryEntry* find_registry(const RegistriesConf& conf, const std::string& repository) {
  const RegistryEntry* best = nullptr;
  for (auto& r : conf.registries) {
    bool match = repository == r.prefix ||
                 (repository.rfind(r.prefix, 0) == 0 && (repository[r.prefix.size()] == '/' || repository[r.prefix.size()] == ':'));
    if (match && (!best || r.prefix.size() > best->prefix.size())) best = &r;
  }
  return best;
}

bool is_short_name(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return true;
  std::string first = text.substr(0, slash);
  return first.find_first_of(".:") == std::string::npos && first != "localhost";
}

Result<std::vector<Reference>> resolve_image_name(const std::string& text, const RegistriesConf& conf) {
  if (!is_short_name(text)) return std::vector<Reference>{ROOST_TRY(parse_reference(text))};
  // Validate the name itself before looking anything up.
  auto probe = ROOST_TRY(parse_reference(text));
  std::string name = text;
  std::string suffix;  // ":tag" or "@digest" as typed
  if (auto at = name.find('@'); at != std::string::npos) {
    suffix = name.substr(at);
    name.resize(at);
  } else if (auto colon = name.rfind(':'); colon != std::string::npos) {
    suffix = name.substr(colon);
    name.resize(colon);
  }
  if (auto it = conf.aliases.find(name); it != conf.aliases.end())
    return std::vector<Reference>{ROOST_TRY_CTX(parse_reference(it->second + suffix), conf.source + ": alias " + name)};
  if (conf.short_name_mode == "disabled" || conf.unqualified_search.empty()) {
    if (conf.short_name_mode == "disabled") return std::vector<Reference>{probe};
    return make_error(ErrorKind::invalid, "short name \"" + text + "\" did not resolve to an alias and no unqualified-search registries are defined in " +
                                              (conf.source.empty() ? std::string("registries.conf") : conf.source) +
                                              " (use a full name such as registry.example/" + text + ")");
  }
  if (conf.unqualified_search.size() > 1 && conf.short_name_mode != "permissive")
    return make_error(ErrorKind::invalid, "short name \"" + text + "\" is ambiguous: it may come from any of " +
                                              std::to_string(conf.unqualified_search.size()) +
                                              " unqualified-search registries in " + conf.source +
                                              " and there is no terminal to ask on (use a full name)");
  std::vector<Reference> out;
  for (auto& reg : conf.unqualified_search)
    out.push_back(ROOST_TRY_CTX(parse_reference(reg + "/" + text), conf.source + ": unqualified-search-registries"));
  return out;
}

namespace {

// REF with the PREFIX part of its repository replaced by LOCATION.
Result<Reference> rewrite_prefix(const Reference& ref, const std::string& prefix, const std::string& location,
                                 const std::string& source) {
  if (location == prefix) return ref;
  std::string rewritten = location + ref.repository().substr(prefix.size());
  auto slash = rewritten.find('/');
  if (slash == std::string::npos)
    return make_error(ErrorKind::invalid, source + ": location " + location + " leaves no repository");
  Reference out = ref;
  out.domain = rewritten.substr(0, slash);
  out.path = rewritten.substr(slash + 1);
  return out;
}

// The entry for REF (null when none); a blocked one is an error.
Result<const RegistryEntry*> usable_entry(const RegistriesConf& conf, const Reference& ref) {
  const RegistryEntry* e = find_registry(conf, ref.repository());
  if (e && e->blocked)
    return make_error(ErrorKind::invalid, "registry " + e->prefix + " is blocked in " + conf.source);
  return e;
}

}  // namespace

Result<bool> apply_registry_entry(const RegistriesConf& conf, Reference& ref) {
  const RegistryEntry* e = ROOST_TRY(usable_entry(conf, ref));
  if (!e) return false;
  ref = ROOST_TRY(rewrite_prefix(ref, e->prefix, e->location, conf.source));
  return e->insecure;
}

Result<std::vector<PullSource>> pull_sources(const RegistriesConf& conf, const Reference& ref) {
  const RegistryEntry* e = ROOST_TRY(usable_entry(conf, ref));
  if (!e) return std::vector<PullSource>{{ref, false, false}};
  std::vector<PullSource> out;
  bool by_digest = !ref.digest.empty();
  for (auto& m : e->mirrors) {
    // A mirror serving tags may serve a different image than the registry;
    // digest-only settings keep such mirrors to pulls that verify content.
    bool takes = m.pull_from == "all" || (m.pull_from == "digest-only") == by_digest;
    if (e->mirror_by_digest_only && !by_digest) takes = false;
    if (takes && !m.location.empty())
      out.push_back({ROOST_TRY(rewrite_prefix(ref, e->prefix, m.location, conf.source)), m.insecure, true});
  }
  out.push_back({ROOST_TRY(rewrite_prefix(ref, e->prefix, e->location, conf.source)), e->insecure, false});
  return out;
}

}  // namespace roost::image
