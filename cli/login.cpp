// roost login [-u USER] [-p PASS | --password-stdin] [--authfile F] [--tls-verify] [--cert-dir D] REGISTRY
// roost logout [-a] [--authfile F] [REGISTRY]
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "cli/registry_flags.hpp"
#include "cli/verb.hpp"
#include "image/auth.hpp"
#include "image/registry.hpp"

namespace roost::cli {
namespace {

struct LoginFlags {
  RegistryFlags registry;
  std::string username;
  std::string password;
  bool password_stdin = false;
  bool get_login = false;
  std::string server;
};

// "docker://host:port/path" and "https://host" name the registry host.
Result<std::string> registry_key(const std::string& text) {
  std::string s = text;
  for (const char* prefix : {"docker://", "https://", "http://"})
    if (s.rfind(prefix, 0) == 0) s = s.substr(std::string(prefix).size());
  s = s.substr(0, s.find('/'));
  if (s.empty()) return make_error(ErrorKind::invalid, "invalid registry \"" + text + "\"");
  return s;
}

Result<std::string> prompt(const std::string& what, bool echo) {
  if (!::isatty(STDIN_FILENO))
    return make_error(ErrorKind::invalid, what + " required: give it as a flag, or run on a terminal to be asked");
  std::cerr << what << ": " << std::flush;
  termios old{};
  bool restore = false;
  if (!echo && ::tcgetattr(STDIN_FILENO, &old) == 0) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    restore = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  std::string line;
  std::getline(std::cin, line);
  if (restore) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::cerr << "\n";
  }
  return line;
}

Result<int> run_login(Session&, LoginFlags& f) {
  auto key = ROOST_TRY(registry_key(f.server));
  auto file = ROOST_TRY(image::auth_file_for_writing(f.registry.authfile));
  if (f.get_login) {
    auto creds = ROOST_TRY(image::read_credentials(file, key, ""));
    if (!creds) return make_error(ErrorKind::not_found, "not logged into " + key);
    std::cout << creds->username << "\n";
    return 0;
  }
  if (f.password_stdin && !f.password.empty())
    return make_error(ErrorKind::invalid, "--password and --password-stdin cannot be used together");
  if (f.password_stdin) {
    if (f.username.empty()) return make_error(ErrorKind::invalid, "--password-stdin needs --username");
    std::getline(std::cin, f.password);
    while (!f.password.empty() && (f.password.back() == '\r' || f.password.back() == '\n')) f.password.pop_back();
  }
  if (f.username.empty()) f.username = ROOST_TRY(prompt("Username", true));
  if (f.password.empty()) f.password = ROOST_TRY(prompt("Password", false));
  if (f.username.empty() || f.password.empty()) return make_error(ErrorKind::invalid, "user name and password must not be empty");
  auto opts = ROOST_TRY(f.registry.options());
  opts.creds = image::Credentials{f.username, f.password};
  auto client = ROOST_TRY(image::RegistryClient::open(key, "", opts));
  ROOST_TRY_CTX(client->check_login(), "logging in to " + key);
  ROOST_TRY(image::write_credentials(file, key, *opts.creds));
  std::cout << "Login Succeeded!\n";
  return 0;
}

struct LogoutFlags {
  std::string authfile;
  bool all = false;
  std::string server;
};

Result<int> run_logout(Session&, const LogoutFlags& f) {
  auto file = ROOST_TRY(image::auth_file_for_writing(f.authfile));
  if (f.all) {
    ROOST_TRY(image::remove_all_credentials(file));
    std::cout << "Removed login credentials for all registries\n";
    return 0;
  }
  if (f.server.empty()) return make_error(ErrorKind::invalid, "logout: name a registry, or use --all");
  auto key = ROOST_TRY(registry_key(f.server));
  if (!ROOST_TRY(image::remove_credentials(file, key)))
    return make_error(ErrorKind::not_found, "not logged into " + key);
  std::cout << "Removed login credentials for " << key << "\n";
  return 0;
}

VerbRegistrar login_reg({
    {"login"},
    "Log in to a container registry",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<LoginFlags>();
      f->registry.add_to(app, false);
      app.add_option("-u,--username", f->username, "User name");
      app.add_option("-p,--password", f->password, "Password (prefer --password-stdin: a flag shows in ps)");
      app.add_flag("--password-stdin", f->password_stdin, "Read the password from standard input");
      app.add_flag("--get-login", f->get_login, "Print the user name stored for the registry");
      app.add_option("registry", f->server, "Registry (HOST[:PORT])")->required();
      return [f](Session& s) { return run_login(s, *f); };
    },
});

VerbRegistrar logout_reg({
    {"logout"},
    "Log out of a container registry",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<LogoutFlags>();
      app.add_option("--authfile", f->authfile, "Path of the authentication file");
      app.add_flag("-a,--all", f->all, "Remove the credentials of every registry");
      app.add_option("registry", f->server, "Registry (HOST[:PORT])");
      return [f](Session& s) { return run_logout(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
