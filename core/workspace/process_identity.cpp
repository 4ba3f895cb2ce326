#include "core/workspace/process_identity.h"

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <vector>

namespace prominence::workspace {
namespace {

std::string hostName() {
    std::vector<char> buf(256, '\0');
    if (gethostname(buf.data(), buf.size() - 1) != 0) return {};
    return std::string(buf.data());
}

// Field 22 of /proc/<pid>/stat. The second field (comm) may hold spaces and parentheses, so the
// fields are counted from the last ')'.
std::string startTimeOf(std::int64_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    if (!in) return {};
    std::string line;
    std::getline(in, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) return {};
    std::istringstream rest(line.substr(close + 1));
    std::string field;
    for (int i = 3; i <= 22; ++i)
        if (!(rest >> field)) return {};
    return field;
}

}  // namespace

ProcessIdentity currentProcess() {
    const auto pid = static_cast<std::int64_t>(getpid());
    return {pid, hostName(), startTimeOf(pid)};
}

Liveness livenessOf(const ProcessIdentity& writer) {
    if (writer.pid <= 0 || writer.hostname.empty() || writer.hostname != hostName()) return Liveness::Unknown;
    if (kill(static_cast<pid_t>(writer.pid), 0) != 0 && errno == ESRCH) return Liveness::Dead;
    // The pid exists (EPERM means it belongs to another user); it is our writer only if it started
    // when the writer did.
    if (!writer.startTime.empty()) {
        const std::string now = startTimeOf(writer.pid);
        if (!now.empty() && now != writer.startTime) return Liveness::Dead;
    }
    return Liveness::Alive;
}

}  // namespace prominence::workspace
