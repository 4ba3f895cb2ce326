#include "app/cli/command.h"

#include <algorithm>
#include <fstream>

#include "core/system/runtime.h"

namespace prominence::cli {
namespace {
std::vector<Command>& registry() {
    static std::vector<Command> all;
    return all;
}
}  // namespace

bool registerCommand(Command command) {
    auto& all = registry();
    all.push_back(std::move(command));
    std::sort(all.begin(), all.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
    return true;
}

const std::vector<Command>& commands() { return registry(); }

const Command* findCommand(const std::string& name) {
    for (const auto& c : registry())
        if (c.name == name) return &c;
    return nullptr;
}

std::vector<OptionSpec> commonOptions() {
    return {
        {"threads", "N", "LibTorch intra-op threads (env PROMINENCE_THREADS)", "", false, false},
        {"blas-threads", "N", "OpenBLAS threads (env PROMINENCE_BLAS_THREADS)", "", false, false},
    };
}

void applyCommonOptions(const Args& args) {
    ThreadSettings s;
    if (args.has("threads")) {
        long long n = args.getInt("threads");
        if (n < 1 || n > 4096) throw UsageError("--threads must be between 1 and 4096, got " + std::to_string(n));
        s.intraOp = static_cast<int>(n);
    }
    if (args.has("blas-threads")) {
        long long n = args.getInt("blas-threads");
        if (n < 1 || n > 4096)
            throw UsageError("--blas-threads must be between 1 and 4096, got " + std::to_string(n));
        s.blas = static_cast<int>(n);
    }
    applyThreadSettings(s);
}

nlohmann::json readJsonFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LoadError(path + ": cannot open for reading");
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throw FormatError(path + ": not valid JSON (" + e.what() + ")");
    }
}

}  // namespace prominence::cli
