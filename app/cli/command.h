#pragma once
// Subcommands of prominence-cli. Each app/cli/cmd_*.cpp defines one and registers it with
// PROMINENCE_REGISTER_COMMAND, so adding a subcommand touches no shared file.
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"

namespace prominence::cli {

struct Context {
    std::ostream& out;  // results only: JSON, tables (scripts pipe this)
    std::ostream& err;  // logs and progress
};

struct Command {
    std::string name;
    std::string summary;  // one line for the command list; the first line of --help
    std::string details;  // further paragraphs for --help (defaults, formats)
    std::vector<OptionSpec> options;
    std::function<int(const Args&, Context&)> run;
};

bool registerCommand(Command command);
const std::vector<Command>& commands();
const Command* findCommand(const std::string& name);

// Options every subcommand accepts (threads), appended to its own.
std::vector<OptionSpec> commonOptions();
void applyCommonOptions(const Args& args);

// Parses a whole JSON file: LoadError "<path>: cannot open for reading", FormatError "<path>: not valid
// JSON (<parser's message with line and column>)".
nlohmann::json readJsonFile(const std::string& path);

}  // namespace prominence::cli

#define PROMINENCE_CLI_CONCAT_(a, b) a##b
#define PROMINENCE_CLI_CONCAT(a, b) PROMINENCE_CLI_CONCAT_(a, b)
#define PROMINENCE_REGISTER_COMMAND(...)                                                       \
    static const bool PROMINENCE_CLI_CONCAT(prominence_cli_registered_, __LINE__) =         \
        ::prominence::cli::registerCommand(__VA_ARGS__)
