#pragma once
// Command-line options of one subcommand: declared with help text and defaults, parsed strictly
// (an unknown flag, a missing value or a malformed number is a UsageError that names it).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/common/error.h"

namespace prominence::cli {

class UsageError : public Error {
public:
    using Error::Error;
};

struct OptionSpec {
    std::string name;         // without the leading "--"
    std::string valueName;    // empty for a boolean flag
    std::string help;
    std::string defaultValue; // shown in --help; returned by get() when absent
    bool required = false;
    bool repeatable = false;
};

class Args {
public:
    Args(std::string command, std::vector<OptionSpec> specs);

    // Throws UsageError naming the offending argument.
    void parse(const std::vector<std::string>& argv);

    bool has(const std::string& name) const;
    std::string get(const std::string& name) const;
    std::optional<std::string> maybe(const std::string& name) const;
    std::vector<std::string> all(const std::string& name) const;
    long long getInt(const std::string& name) const;
    double getDouble(const std::string& name) const;
    bool flag(const std::string& name) const { return has(name); }

    std::string helpText(const std::string& summary) const;

private:
    const OptionSpec* find(const std::string& name) const;
    const OptionSpec& spec(const std::string& name) const;

    std::string command_;
    std::vector<OptionSpec> specs_;
    std::map<std::string, std::vector<std::string>> values_;
};

}  // namespace prominence::cli
