#pragma once
// Who is writing a run: enough to tell, from another process on the same host, whether the writer
// is still alive. A pid alone is not enough (pids are reused), so the process start time from
// /proc/<pid>/stat goes with it.
#include <cstdint>
#include <string>

namespace prominence::workspace {

struct ProcessIdentity {
    std::int64_t pid = 0;
    std::string hostname;
    std::string startTime;  // clock ticks since boot, as text; empty where /proc is unavailable
};

ProcessIdentity currentProcess();

enum class Liveness { Alive, Dead, Unknown };
// Unknown for another host (nothing can be checked from here); otherwise kill(pid, 0), then the
// start time when both sides have one.
Liveness livenessOf(const ProcessIdentity& writer);

}  // namespace prominence::workspace
