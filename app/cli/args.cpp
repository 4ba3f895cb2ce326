#include "app/cli/args.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>

namespace prominence::cli {

Args::Args(std::string command, std::vector<OptionSpec> specs)
    : command_(std::move(command)), specs_(std::move(specs)) {}

const OptionSpec* Args::find(const std::string& name) const {
    for (const auto& s : specs_)
        if (s.name == name) return &s;
    return nullptr;
}

const OptionSpec& Args::spec(const std::string& name) const {
    const OptionSpec* s = find(name);
    // Asking for an undeclared option is a bug in the command, not in the user's input.
    if (s == nullptr) throw std::logic_error("command '" + command_ + "' reads undeclared option --" + name);
    return *s;
}

void Args::parse(const std::vector<std::string>& argv) {
    const std::string hint = " (see 'prominence-cli " + command_ + " --help')";
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        if (arg.size() < 3 || arg.compare(0, 2, "--") != 0)
            throw UsageError("unexpected argument '" + arg + "' for '" + command_ + "'" + hint);
        std::string name = arg.substr(2);
        std::optional<std::string> inlineValue;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        const OptionSpec* s = find(name);
        if (s == nullptr) throw UsageError("unknown option '--" + name + "' for '" + command_ + "'" + hint);
        std::string value;
        if (s->valueName.empty()) {
            if (inlineValue) throw UsageError("option '--" + name + "' takes no value" + hint);
        } else if (inlineValue) {
            value = *inlineValue;
        } else {
            if (i + 1 >= argv.size())
                throw UsageError("option '--" + name + "' needs a value " + s->valueName + hint);
            value = argv[++i];
        }
        auto& slot = values_[name];
        if (!slot.empty() && !s->repeatable)
            throw UsageError("option '--" + name + "' given more than once" + hint);
        slot.push_back(value);
    }
    for (const auto& s : specs_)
        if (s.required && !has(s.name))
            throw UsageError("missing required option '--" + s.name + " " + s.valueName + "' for '" + command_ +
                             "'" + hint);
}

bool Args::has(const std::string& name) const {
    spec(name);
    return values_.count(name) != 0;
}

std::optional<std::string> Args::maybe(const std::string& name) const {
    const OptionSpec& s = spec(name);
    auto it = values_.find(name);
    if (it != values_.end()) return it->second.back();
    if (!s.defaultValue.empty()) return s.defaultValue;
    return std::nullopt;
}

std::string Args::get(const std::string& name) const { return maybe(name).value_or(std::string()); }

std::vector<std::string> Args::all(const std::string& name) const {
    spec(name);
    auto it = values_.find(name);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
}

long long Args::getInt(const std::string& name) const {
    std::string v = get(name);
    errno = 0;
    char* end = nullptr;
    long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || end != v.c_str() + v.size() || errno == ERANGE)
        throw UsageError("option '--" + name + "' expects an integer, got '" + v + "'");
    return n;
}

double Args::getDouble(const std::string& name) const {
    std::string v = get(name);
    errno = 0;
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size() || errno == ERANGE)
        throw UsageError("option '--" + name + "' expects a number, got '" + v + "'");
    return d;
}

std::string Args::helpText(const std::string& summary) const {
    std::ostringstream out;
    out << "usage: prominence-cli " << command_;
    for (const auto& s : specs_) {
        if (!s.required) continue;
        out << " --" << s.name << " " << s.valueName;
    }
    out << " [options]\n\n" << summary << "\n\noptions:\n";
    for (const auto& s : specs_) {
        std::string left = "  --" + s.name + (s.valueName.empty() ? "" : " " + s.valueName);
        out << left;
        out << std::string(left.size() < 30 ? 30 - left.size() : 1, ' ') << s.help;
        if (s.required) out << " (required)";
        if (!s.defaultValue.empty()) out << " [default: " << s.defaultValue << "]";
        if (s.repeatable) out << " (repeatable)";
        out << "\n";
    }
    out << "  --help                      show this help\n";
    return out.str();
}

}  // namespace prominence::cli
