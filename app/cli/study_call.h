#pragma once
// Calling a core/study step from a command: the step's ParamsError is the CLI's usage error (exit
// 2) and its log notes go to stderr.
#include <ostream>
#include <string>

#include "app/cli/command.h"
#include "core/study/command_line.h"
#include "core/study/step.h"

namespace prominence::cli {

template <typename F>
auto callStudy(F step) -> decltype(step()) {
    try {
        return step();
    } catch (const study::ParamsError& e) {
        throw UsageError(e.what());
    }
}

inline study::Log stderrLog(Context& ctx) {
    return [&ctx](const std::string& message) { ctx.err << message << "\n"; };
}

// A default shown by --help, from the study's parameter struct.
inline std::string defaultText(double v) {
    return study::formatNumber(v);
}
inline std::string defaultText(long long v) {
    return std::to_string(v);
}
inline std::string defaultText(int v) {
    return std::to_string(v);
}
inline std::string defaultText(long v) {
    return std::to_string(v);
}
inline std::string defaultText(unsigned long v) {
    return std::to_string(v);
}
inline std::string defaultText(unsigned long long v) {
    return std::to_string(v);
}
inline std::string defaultText(const std::string& v) {
    return v;
}

}  // namespace prominence::cli
