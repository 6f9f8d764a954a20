#include "image/reference.hpp"

#include <algorithm>
#include <cctype>

#include "common/digest.hpp"

namespace roost::image {
namespace {

// docker/distribution's NameTotalLengthMax and tag length limit.
constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;

Error bad_reference(const std::string& text, const std::string& what = {}) {
  std::string msg = "invalid reference format: ";
  if (!what.empty()) msg += what + ": ";
  return make_error(ErrorKind::invalid, msg + "\"" + text + "\"");
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_word(char c) { return is_alnum(c) || c == '_'; }
bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
bool has_upper(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// path-component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
bool valid_path_component(const std::string& s) {
  size_t i = 0;
  auto alnum_run = [&] {
    size_t start = i;
    while (i < s.size() && is_lower_alnum(s[i])) ++i;
    return i > start;
  };
  if (!alnum_run()) return false;
  while (i < s.size()) {
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      ++i;
      if (i < s.size() && s[i] == '_') ++i;
    } else if (s[i] == '-') {
      while (i < s.size() && s[i] == '-') ++i;
    } else {
      return false;
    }
    if (!alnum_run()) return false;
  }
  return true;
}

// domain-component: [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_domain_component(const std::string& s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

// host (":" port)? where host is a dotted name or a bracketed IPv6 address.
bool valid_domain(const std::string& d) {
  std::string host = d;
  if (!d.empty() && d.front() == '[') {
    auto close = d.find(']');
    if (close == std::string::npos || close == 1) return false;
    for (size_t i = 1; i < close; ++i)
      if (!std::isxdigit(static_cast<unsigned char>(d[i])) && d[i] != ':') return false;
    host.clear();
    if (close + 1 < d.size()) {
      if (d[close + 1] != ':') return false;
      return all_digits(d.substr(close + 2));
    }
    return true;
  }
  auto colon = d.find(':');
  if (colon != std::string::npos) {
    if (!all_digits(d.substr(colon + 1))) return false;
    host = d.substr(0, colon);
  }
  size_t start = 0;
  for (;;) {
    auto dot = host.find('.', start);
    if (!valid_domain_component(host.substr(start, dot - start))) return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

bool valid_tag(const std::string& t) {
  return !t.empty() && t.size() <= kMaxTagLength && is_word(t.front()) &&
         std::all_of(t.begin(), t.end(), [](char c) { return is_word(c) || c == '.' || c == '-'; });
}

bool is_hex64(const std::string& s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The shared parser. DEFAULT_DOMAIN fills in a missing domain; docker.io
// names with one component get "library/" whichever default was used.
Result<Reference> parse(const std::string& text, const std::string& default_domain, bool default_tag) {
  if (text.empty()) return bad_reference(text, "repository name must have at least one component");
  if (is_hex64(text))
    return bad_reference(text, "cannot use a 64-character hexadecimal string as a repository name");

  Reference ref;
  std::string rest = text;
  if (auto at = rest.find('@'); at != std::string::npos) {
    ref.digest = rest.substr(at + 1);
    rest.resize(at);
    auto v = validate_digest(ref.digest);
    if (!v) return bad_reference(text, v.error().message());
  }
  auto last_slash = rest.rfind('/');
  auto last_colon = rest.rfind(':');
  if (last_colon != std::string::npos && (last_slash == std::string::npos || last_colon > last_slash)) {
    ref.tag = rest.substr(last_colon + 1);
    rest.resize(last_colon);
    if (!valid_tag(ref.tag)) return bad_reference(text, ref.tag.empty() ? std::string() : "invalid tag \"" + ref.tag + "\"");
  }

  auto slash = rest.find('/');
  std::string first = rest.substr(0, slash);
  bool looks_like_domain = first.find_first_of(".:") != std::string::npos || first == "localhost" ||
                           (!first.empty() && first.front() == '[');
  std::string path = rest;
  ref.domain = default_domain;
  if (slash != std::string::npos && looks_like_domain) {
    if (!valid_domain(first)) return bad_reference(text, "invalid domain \"" + first + "\"");
    ref.domain = first;
    path = rest.substr(slash + 1);
  }
  // docker would take an uppercase first component as a registry host
  // ("UPPER/case"); no registry is named like that, so it is far more likely a
  // mistyped repository, and saying so is more useful than a failed lookup.
  if (has_upper(path)) return bad_reference(text, "repository name must be lowercase");
  if (path.empty()) return bad_reference(text, "repository name must have at least one component");
  size_t start = 0;
  for (;;) {
    auto next = path.find('/', start);
    if (!valid_path_component(path.substr(start, next - start))) return bad_reference(text);
    if (next == std::string::npos) break;
    start = next + 1;
  }

  if (ref.domain == "index.docker.io") ref.domain = "docker.io";
  if (ref.domain == "docker.io" && path.find('/') == std::string::npos) path = "library/" + path;
  ref.path = path;
  if (ref.repository().size() > kMaxNameLength)
    return bad_reference(text, "repository name must not be more than 255 characters");
  if (default_tag && ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

bool has_domain(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return false;
  std::string first = text.substr(0, slash);
  return first.find_first_of(".:[") != std::string::npos || first == "localhost";
}

}  // namespace

std::string Reference::str() const {
  std::string out = repository();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

Result<Reference> parse_reference(const std::string& text) { return parse(text, "docker.io", true); }

Result<Reference> parse_local_name(const std::string& text) {
  auto ref = ROOST_TRY(parse(text, "localhost", true));
  // A name given to `tag` or `import` labels new content; a digest cannot.
  if (!ref.digest.empty()) return bad_reference(text, "a digest cannot be used as an image name");
  return ref;
}

Result<std::vector<std::string>> local_candidates(const std::string& text) {
  auto ref = ROOST_TRY(parse(text, "docker.io", true));
  if (has_domain(text)) return std::vector<std::string>{ref.str()};
  auto local = ROOST_TRY(parse(text, "localhost", true));
  return std::vector<std::string>{local.str(), ref.str()};
}

}  // namespace roost::image
