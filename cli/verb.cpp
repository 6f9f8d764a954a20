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

int run_cli(int argc, char** argv) {
  GlobalOptions global;
  auto parser = std::make_unique<CLI::App>("Manage pods, containers and images, rootless first", "roost");
  CLI::App& app = *parser;
  app.formatter(std::make_shared<HelpFormatter>());
  app.set_help_flag("-h,--help", "Help for roost");
  app.set_version_flag("-v,--version", std::string("roost version ") + ROOST_VERSION, "Version of roost");
  app.require_subcommand(0, 1);
  app.add_option("--storage-driver", global.storage_driver, "Storage driver: overlay, fuse-overlayfs or vfs");
  app.add_option("--root", global.root, "Path to the graph root directory where images are stored");
  app.add_option("--runroot", global.runroot, "Path to the run root directory for per-boot state");
  app.add_option("--log-level", global.log_level, "Log messages at and above a level (debug, info, warn, error)")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));

  // Only the verbs whose words all appear on the command line get their
  // options: building every verb's flags is most of a short command's
  // start-up. The others are listed (for help) and cannot be chosen anyway,
  // as a subcommand is matched by its exact name.
  std::set<std::string> given(argv + std::min(argc, 1), argv + argc);
  std::map<std::string, CLI::App*> groups;  // "image" -> its App
  std::vector<std::pair<CLI::App*, std::shared_ptr<Bound>>> bound;
  for (auto& verb : registry()) {
    for (auto& path : verb.names) {
      auto words = split_words(path);
      const bool named = std::all_of(words.begin(), words.end(), [&](const std::string& w) { return given.count(w); });
      CLI::App* parent = &app;
      for (size_t i = 0; i + 1 < words.size(); ++i) {
        std::string key;
        for (size_t k = 0; k <= i; ++k) key += words[k] + " ";
        auto it = groups.find(key);
        if (it == groups.end()) {
          CLI::App* g = parent->add_subcommand(words[i], words[i] == "system" ? "Manage roost" : "Manage " + words[i] + "s");
          g->set_help_flag("-h,--help", "Help for " + words[i]);
          g->formatter(app.get_formatter());
          g->require_subcommand(1);
          it = groups.emplace(key, g).first;
        }
        parent = it->second;
      }
      CLI::App* sub = parent->add_subcommand(words.back(), verb.summary);
      sub->formatter(app.get_formatter());
      sub->set_help_flag("-h,--help", "Help for " + words.back());
      if (verb.hidden) sub->group("");
      if (!named) continue;
      auto b = std::make_shared<Bound>();
      b->run = verb.setup(*sub);
      b->internal = verb.hidden;
      bound.emplace_back(sub, b);
    }
  }

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

  LogLevel level = global.log_level == "debug" ? LogLevel::debug
                   : global.log_level == "info" ? LogLevel::info
                   : global.log_level == "error" ? LogLevel::error
                                                 : LogLevel::warn;
  set_log_level(level);

  auto chosen = std::find_if(bound.begin(), bound.end(), [](const auto& e) { return e.first->parsed(); });
  if (chosen != bound.end()) {
    RunFn run = std::move(chosen->second->run);
    if (chosen->second->internal) {
      // The internal verbs (a container's monitor, its port forwarder) live
      // as long as the container, and their run functions own what they
      // parsed: free the parser, every verb's App, a few hundred KB of heap.
      bound.clear();
      groups.clear();
      parser.reset();
    }
    Session session(global);
    auto r = run(session);
    std::fflush(stdout);
    if (!r) {
      std::fprintf(stderr, "Error: %s\n", r.error().str().c_str());
      return 125;
    }
    return r.value();
  }
  std::cout << app.help();
  return app.get_subcommands().empty() ? 0 : 125;
}

}  // namespace roost::cli
