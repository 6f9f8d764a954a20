#include "image/auth.hpp"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>
#include <string_view>

#include "common/fd.hpp"

namespace roost::image {
namespace {

using nlohmann::json;

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~/=").find(c) != std::string_view::npos;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Reads FILE as an auth.json document; a missing file is an empty object.
Result<json> read_auth_doc(const std::string& file) {
  auto text = read_file(file);
  if (!text) {
    if (text.error().errnum() == ENOENT) return json::object();
    return std::move(text).error();
  }
  try {
    json doc = json::parse(*text);
    if (!doc.is_object()) return make_error(ErrorKind::corrupt, file + ": not a JSON object");
    if (doc.contains("auths") && !doc["auths"].is_object())
      return make_error(ErrorKind::corrupt, file + ": \"auths\" is not an object");
    return doc;
  } catch (const json::parse_error& e) {
    // nlohmann says "... at line N, column M: ..."; keep the line for the user.
    std::string msg = e.what();
    std::smatch m;
    std::string where = std::regex_search(msg, m, std::regex("line ([0-9]+)")) ? "line " + m[1].str() : "byte " + std::to_string(e.byte);
    return make_error(ErrorKind::corrupt, file + ": " + where + ": invalid JSON (fix or remove the file)");
  }
}

Result<Credentials> decode_entry(const json& entry, const std::string& file, const std::string& key) {
  auto bad = [&] { return make_error(ErrorKind::corrupt, file + ": entry for " + key + ": invalid \"auth\" value"); };
  if (!entry.is_object() || !entry.contains("auth") || !entry["auth"].is_string()) return bad();
  auto plain = base64_decode(entry["auth"].get<std::string>());
  if (!plain) return bad();
  auto colon = plain->find(':');
  if (colon == std::string::npos) return bad();
  return Credentials{plain->substr(0, colon), plain->substr(colon + 1)};
}

std::string normalise_key(std::string key) {
  for (const char* prefix : {"https://", "http://"})
    if (key.rfind(prefix, 0) == 0) key = key.substr(std::string(prefix).size());
  if (key == "index.docker.io/v1/" || key == "index.docker.io" || key == "registry-1.docker.io") return "docker.io";
  while (!key.empty() && key.back() == '/') key.pop_back();
  return key;
}

Result<void> write_doc(const std::string& file, const json& doc) {
  auto slash = file.rfind('/');
  if (slash != std::string::npos && slash > 0) ROOST_TRY(make_dirs(file.substr(0, slash), 0700));
  return write_file_atomic(file, doc.dump(1, '\t') + "\n", 0600);
}

}  // namespace

Result<std::vector<Challenge>> parse_challenges(const std::string& h) {
  std::vector<Challenge> out;
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
  };
  auto token = [&] {
    size_t start = i;
    while (i < h.size() && is_token_char(h[i]) && h[i] != '=') ++i;
    return h.substr(start, i - start);
  };
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::corrupt, "malformed WWW-Authenticate header (" + why + ")");
  };
  while (true) {
    skip_ws();
    while (i < h.size() && h[i] == ',') ++i, skip_ws();
    if (i >= h.size()) break;
    Challenge c;
    c.scheme = lower(token());
    if (c.scheme.empty()) return bad("expected an auth scheme");
    skip_ws();
    // Parameters: name=value or name="quoted", separated by commas. A token
    // followed by a space and another token starts the next challenge.
    while (i < h.size()) {
      size_t save = i;
      std::string name = lower(token());
      skip_ws();
      if (name.empty() || i >= h.size() || h[i] != '=') {
        i = save;
        break;
      }
      ++i;
      skip_ws();
      std::string value;
      if (i < h.size() && h[i] == '"') {
        ++i;
        bool closed = false;
        while (i < h.size()) {
          char ch = h[i++];
          if (ch == '\\' && i < h.size()) {
            value.push_back(h[i++]);
          } else if (ch == '"') {
            closed = true;
            break;
          } else {
            value.push_back(ch);
          }
        }
        if (!closed) return bad("unterminated quoted string");
      } else {
        size_t start = i;
        while (i < h.size() && h[i] != ',' && h[i] != ' ') ++i;
        value = h.substr(start, i - start);
      }
      c.params[name] = value;
      skip_ws();
      if (i < h.size() && h[i] == ',') {
        ++i;
        skip_ws();
      }
    }
    out.push_back(std::move(c));
    if (i < h.size() && !is_token_char(h[i]) && h[i] != ',') return bad("unexpected character");
  }
  if (out.empty()) return bad("empty");
  return out;
}

std::vector<std::string> token_scopes(const std::string& own, const std::string& challenge_scope) {
  // "type:name:a,b" -> "type:name" and {a, b}; the name may hold colons.
  auto split = [](const std::string& scope) {
    auto last = scope.rfind(':');
    std::vector<std::string> actions;
    if (last == std::string::npos) return std::pair{scope, actions};
    std::string list = scope.substr(last + 1);
    for (size_t start = 0; start <= list.size();) {
      auto comma = std::min(list.find(',', start), list.size());
      if (comma > start) actions.push_back(list.substr(start, comma - start));
      start = comma + 1;
    }
    return std::pair{scope.substr(0, last), actions};
  };
  std::vector<std::string> out;
  if (!own.empty()) out.push_back(own);
  auto [own_resource, own_actions] = split(own);
  size_t start = 0;
  while (start < challenge_scope.size()) {
    auto space = std::min(challenge_scope.find(' ', start), challenge_scope.size());
    std::string scope = challenge_scope.substr(start, space - start);
    start = space + 1;
    if (scope.empty()) continue;
    auto [resource, actions] = split(scope);
    bool covered = !own.empty() && resource == own_resource;
    for (auto& a : actions)
      covered = covered && std::find(own_actions.begin(), own_actions.end(), a) != own_actions.end();
    if (!covered && std::find(out.begin(), out.end(), scope) == out.end()) out.push_back(scope);
  }
  return out;
}

Result<Credentials> parse_creds(const std::string& text) {
  auto colon = text.find(':');
  if (text.empty() || colon == 0)
    return make_error(ErrorKind::invalid, "invalid --creds: use USERNAME[:PASSWORD] with a user name");
  if (colon == std::string::npos) return make_error(ErrorKind::invalid, "invalid --creds: no password given (use USERNAME:PASSWORD)");
  return Credentials{text.substr(0, colon), text.substr(colon + 1)};
}

std::string base64_encode(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> base64_decode(const std::string& text) {
  if (text.size() % 4 != 0) return make_error(ErrorKind::corrupt, "invalid base64");
  std::string out(text.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return make_error(ErrorKind::corrupt, "invalid base64");
  size_t len = static_cast<size_t>(n);
  // EVP_DecodeBlock counts padding as zero bytes.
  for (size_t k = text.size(); k > 0 && text[k - 1] == '=' && len > 0; --k) --len;
  out.resize(len);
  return out;
}

Result<std::string> auth_file_for_writing(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("REGISTRY_AUTH_FILE"); env && *env) return std::string(env);
  if (const char* run = std::getenv("XDG_RUNTIME_DIR"); run && *run)
    return std::string(run) + "/containers/auth.json";
  if (::getuid() == 0) return std::string("/run/containers/0/auth.json");
  return make_error(ErrorKind::invalid, "XDG_RUNTIME_DIR is not set: no place for auth.json (use --authfile FILE)");
}

Result<std::vector<std::string>> auth_files_for_reading(const std::string& flag) {
  std::vector<std::string> files{ROOST_TRY(auth_file_for_writing(flag))};
  bool explicit_file = !flag.empty() || (std::getenv("REGISTRY_AUTH_FILE") && *std::getenv("REGISTRY_AUTH_FILE"));
  if (!explicit_file)
    if (const char* home = std::getenv("HOME"); home && *home) files.push_back(std::string(home) + "/.docker/config.json");
  return files;
}

Result<std::optional<Credentials>> read_credentials(const std::string& file, const std::string& registry,
                                                    const std::string& repository_path) {
  auto doc = ROOST_TRY(read_auth_doc(file));
  if (!doc.contains("auths")) return std::optional<Credentials>();
  std::map<std::string, const json*> entries;
  for (auto& [k, v] : doc["auths"].items()) entries[normalise_key(k)] = &v;
  // Most specific first: registry/a/b, registry/a, registry.
  std::string key = registry + (repository_path.empty() ? "" : "/" + repository_path);
  while (true) {
    if (auto it = entries.find(key); it != entries.end())
      return std::optional<Credentials>(ROOST_TRY(decode_entry(*it->second, file, key)));
    auto slash = key.rfind('/');
    if (slash == std::string::npos || key.size() <= registry.size()) break;
    key.resize(slash);
  }
  return std::optional<Credentials>();
}

Result<void> write_credentials(const std::string& file, const std::string& registry, const Credentials& creds) {
  auto doc = ROOST_TRY(read_auth_doc(file));
  doc["auths"][registry] = {{"auth", base64_encode(creds.username + ":" + creds.password)}};
  return write_doc(file, doc);
}

Result<bool> remove_credentials(const std::string& file, const std::string& registry) {
  auto doc = ROOST_TRY(read_auth_doc(file));
  if (!doc.contains("auths")) return false;
  bool found = false;
  for (auto it = doc["auths"].begin(); it != doc["auths"].end();) {
    if (normalise_key(it.key()) == registry) {
      it = doc["auths"].erase(it);
      found = true;
    } else {
      ++it;
    }
  }
  if (found) ROOST_TRY(write_doc(file, doc));
  return found;
}

Result<bool> remove_all_credentials(const std::string& file) {
  auto doc = ROOST_TRY(read_auth_doc(file));
  if (!doc.contains("auths") || doc["auths"].empty()) return false;
  doc["auths"] = json::object();
  ROOST_TRY(write_doc(file, doc));
  return true;
}

}  // namespace roost::image
