// The verb table. Each cli/<verb>.cpp registers its names (a verb may have
// several: "images" and "image ls"), its flags and one run function; main
// parses, builds the Session the verb asks for, and maps errors to exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli/session.hpp"
#include "common/result.hpp"

namespace roost::cli {

// A verb's run function returns the process exit code, or an Error that main
// prints as "Error: ..." with exit code 125.
using RunFn = std::function<Result<int>(Session&)>;

struct Verb {
  // Command paths: "images", "image ls". The first is the one listed in help.
  std::vector<std::string> names;
  std::string summary;
  // Adds the verb's flags to APP and returns the function that runs it with
  // the parsed values (the flags are bound to state the closure owns).
  std::function<RunFn(CLI::App& app)> setup;
  bool hidden = false;
};

// Called from static initialisers in each verb file.
struct VerbRegistrar {
  explicit VerbRegistrar(Verb verb);
};
const std::vector<Verb>& all_verbs();

// Entry point used by main(): returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace roost::cli
