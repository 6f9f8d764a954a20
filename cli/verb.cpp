#include "cli/verb.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "common/log.hpp"

namespace roost::cli {
namespace {

std::vector<Verb>& registry() {
  static std::vector<Verb> verbs;
  return verbs;
}

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Podman-shaped help: "Usage:", "Available Commands:", "Options:".
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App* app, std::string name) const override {
    std::string usage = "\nUsage:\n  " + name;
    if (!app->get_subcommands({}).empty()) usage += " [command]";
    usage += " [options]";
    if (!app->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty()) {
      for (auto* o : app->get_options([](const CLI::Option* o) { return o->get_positional(); }))
        usage += " " + o->get_name();
    }
    return usage + "\n";
  }
  std::string make_subcommands(const CLI::App* app, CLI::AppFormatMode) const override {
    auto subs = app->get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); });
    if (subs.empty()) return "";
    std::sort(subs.begin(), subs.end(), [](const CLI::App* a, const CLI::App* b) { return a->get_name() < b->get_name(); });
    std::string out = "\nAvailable Commands:\n";
    for (auto* s : subs) {
      std::string n = s->get_name();
      out += "  " + n + std::string(n.size() < 12 ? 12 - n.size() : 1, ' ') + s->get_description() + "\n";
    }
    return out;
  }
};

struct Bound {
  RunFn run;
  bool internal = false;
};

}  // namespace

VerbRegistrar::VerbRegistrar(Verb verb) { registry().push_back(std::move(verb)); }
const std::vector<Verb>& all_verbs() { return registry(); }

namespace {

// The parser and what its verbs bound their flags to.
struct Cli {
  GlobalOptions global;
  std::unique_ptr<CLI::App> app;
  std::map<std::string, CLI::App*> groups;  // "image " -> its App
  std::vector<std::pair<CLI::App*, std::shared_ptr<Bound>>> bound;
};

bool all_given(const std::vector<std::string>& words, size_t n, const std::set<std::string>& given) {
  return std::all_of(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(n),
                     [&](const std::string& w) { return given.count(w) > 0; });
}

// Only the verbs whose words all appear on the command line get their
// options: building every verb's flags is most of a short command's
// start-up. With ONLY_GIVEN, the other verbs get no App at all either (a
// subcommand is matched by its exact name, so one whose name is not on the
// command line cannot change the parse); without it they are there, to be
// listed by help.
std::unique_ptr<Cli> build_cli(const std::set<std::string>& given, bool only_given) {
  auto cli = std::make_unique<Cli>();
  cli->app = std::make_unique<CLI::App>("Manage pods, containers and images, rootless first", "roost");
  CLI::App& app = *cli->app;
  GlobalOptions& global = cli->global;
  app.formatter(std::make_shared<HelpFormatter>());
  app.set_help_flag("-h,--help", "Help for roost");
  app.set_version_flag("-v,--version", std::string("roost version ") + ROOST_VERSION, "Version of roost");
  app.require_subcommand(0, 1);
  app.add_option("--storage-driver", global.storage_driver, "Storage driver: overlay, fuse-overlayfs or vfs");
  app.add_option("--root", global.root, "Path to the graph root directory where images are stored");
  app.add_option("--runroot", global.runroot, "Path to the run root directory for per-boot state");
  app.add_option("--log-level", global.log_level, "Log messages at and above a level (debug, info, warn, error)")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));

  for (auto& verb : registry()) {
    for (auto& path : verb.names) {
      auto words = split_words(path);
      const bool named = all_given(words, words.size(), given);
      CLI::App* parent = &app;
      for (size_t i = 0; i + 1 < words.size(); ++i) {
        // A group named on the command line is there even when none of its
        // verbs is, as it is in the full parser.
        if (only_given && !all_given(words, i + 1, given)) break;
        std::string key;
        for (size_t k = 0; k <= i; ++k) key += words[k] + " ";
        auto it = cli->groups.find(key);
        if (it == cli->groups.end()) {
          CLI::App* g = parent->add_subcommand(words[i], words[i] == "system" ? "Manage roost" : "Manage " + words[i] + "s");
          g->set_help_flag("-h,--help", "Help for " + words[i]);
          g->formatter(app.get_formatter());
          g->require_subcommand(1);
          it = cli->groups.emplace(key, g).first;
        }
        parent = it->second;
      }
      if (only_given && !named) continue;
      CLI::App* sub = parent->add_subcommand(words.back(), verb.summary);
      sub->formatter(app.get_formatter());
      sub->set_help_flag("-h,--help", "Help for " + words.back());
      if (verb.hidden) sub->group("");
      if (!named) continue;
      auto b = std::make_shared<Bound>();
      b->run = verb.setup(*sub);
      b->internal = verb.hidden;
      cli->bound.emplace_back(sub, b);
    }
  }
  return cli;
}

// The verb the parse chose, if any.
std::shared_ptr<Bound> chosen_verb(const Cli& cli) {
  for (const auto& [sub, b] : cli.bound)
    if (sub->parsed()) return b;
  return nullptr;
}

int run_verb(std::unique_ptr<Cli> cli, const std::shared_ptr<Bound>& chosen) {
  LogLevel level = cli->global.log_level == "debug" ? LogLevel::debug
                   : cli->global.log_level == "info" ? LogLevel::info
                   : cli->global.log_level == "error" ? LogLevel::error
                                                      : LogLevel::warn;
  set_log_level(level);
  RunFn run = std::move(chosen->run);
  GlobalOptions global = cli->global;
  // The internal verbs (a container's monitor, its port forwarder) live as
  // long as the container, and their run functions own what they parsed:
  // free the parser, every verb's App, a few hundred KB of heap.
  if (chosen->internal) cli.reset();
  Session session(global);
  auto r = run(session);
  std::fflush(stdout);
  if (!r) {
    std::fprintf(stderr, "Error: %s\n", r.error().str().c_str());
    return 125;
  }
  return r.value();
}

}  // namespace

int run_cli(int argc, char** argv) {
  std::set<std::string> given(argv + std::min(argc, 1), argv + argc);
  // The common case first: a verb named, no help asked for. Anything else
  // the small parser does not take (an error, no verb chosen) is parsed again
  // by the full one, whose messages and help are the ones users see.
  if (!given.count("-h") && !given.count("--help")) {
    auto cli = build_cli(given, true);
    if (!cli->bound.empty() || given.count("-v") || given.count("--version")) {
      bool parsed = true;
      try {
        cli->app->parse(argc, argv);
      } catch (const CLI::CallForVersion& e) {
        // The root's flag, as in the full parser: its output has no verb in it.
        return cli->app->exit(e);
      } catch (const CLI::Error&) {
        parsed = false;
      }
      if (parsed)
        if (auto chosen = chosen_verb(*cli)) return run_verb(std::move(cli), chosen);
    }
  }

  auto cli = build_cli(given, false);
  CLI::App& app = *cli->app;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    // Podman's wording when the first word is no command at all.
    if (app.get_subcommands().empty() && !app.remaining().empty()) {
      std::fprintf(stderr, "Error: unrecognized command `roost %s`\nTry 'roost --help' for more information\n",
                   app.remaining().front().c_str());
      return 125;
    }
    std::fprintf(stderr, "Error: %s\nSee 'roost --help'\n", e.what());
    return 125;
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    std::fprintf(stderr, "Error: %s\nSee 'roost --help'\n", msg.c_str());
    return 125;
  }
  if (auto chosen = chosen_verb(*cli)) return run_verb(std::move(cli), chosen);
  std::cout << app.help();
  return app.get_subcommands().empty() ? 0 : 125;
}

}  // namespace roost::cli
