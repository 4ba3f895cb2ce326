// prominence-cli: the headless front end. Results go to stdout, logs and progress to stderr.
// Exit codes: 0 success, 1 the job failed (bad input file, model, storage), 2 bad usage.
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/command.h"
#include "core/common/error.h"
#include "core/common/version.h"
#include "core/system/runtime.h"

namespace {

void printUsage(std::ostream& os) {
    os << "usage: prominence-cli <command> [options]\n"
          "       prominence-cli --version | --help\n\n"
          "Find and prune prominent but detrimental MLP neurons in transformer language models.\n\n"
          "commands:\n";
    for (const auto& c : prominence::cli::commands()) {
        std::string left = "  " + c.name;
        os << left << std::string(left.size() < 14 ? 14 - left.size() : 1, ' ') << c.summary << "\n";
    }
    os << "\n'prominence-cli <command> --help' describes a command's options and defaults.\n";
}

}  // namespace

int main(int argc, char** argv) {
    using namespace prominence;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        printUsage(std::cerr);
        return 2;
    }
    if (args[0] == "--version" || args[0] == "-V") {
        std::cout << "prominence-cli " << kVersion << "\n";
        return 0;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        printUsage(std::cout);
        return 0;
    }
    const cli::Command* command = cli::findCommand(args[0]);
    if (command == nullptr) {
        std::cerr << "prominence-cli: unknown command '" << args[0] << "' (see 'prominence-cli --help')\n";
        return 2;
    }
    std::vector<cli::OptionSpec> specs = command->options;
    for (auto& o : cli::commonOptions()) specs.push_back(o);
    cli::Args parsed(command->name, specs);
    std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const auto& a : rest) {
        if (a == "--help" || a == "-h") {
            std::cout << parsed.helpText(command->summary + (command->details.empty() ? "" : "\n\n" + command->details));
            return 0;
        }
    }
    try {
        parsed.parse(rest);
        cli::applyCommonOptions(parsed);
        std::string warning = blasWarning(detectBlas());
        if (!warning.empty()) std::cerr << warning << "\n";
        cli::Context ctx{std::cout, std::cerr};
        return command->run(parsed, ctx);
    } catch (const cli::UsageError& e) {
        std::cerr << "prominence-cli " << command->name << ": " << e.what() << "\n";
        return 2;
    } catch (const Cancelled&) {
        std::cerr << "prominence-cli " << command->name << ": cancelled\n";
        return 130;
    } catch (const Error& e) {
        std::cerr << "prominence-cli " << command->name << ": error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "prominence-cli " << command->name << ": internal error: " << e.what() << "\n";
        return 1;
    }
}
