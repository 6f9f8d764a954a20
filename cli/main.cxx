#include "cli/verb.hpp"

int main(int argc, char** argv) { return roost::cli::run_cli(argc, argv); }
