#include "app/cli/progress_bar.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>

namespace prominence::cli {
namespace {

// The first Ctrl-C (or SIGTERM) asks the running job to stop at its next progress report, so it
// closes its workspace run as 'cancelled' with every finished item kept (exit status 130); a second
// one kills the process at once (the workspace then marks the run 'incomplete' when next opened).
volatile std::sig_atomic_t g_stopRequested = 0;

extern "C" void onStopSignal(int sig) {
    g_stopRequested = 1;
    std::signal(sig, SIG_DFL);
}

void installStopHandlers() {
    static const bool installed = [] {
        std::signal(SIGINT, onStopSignal);
        std::signal(SIGTERM, onStopSignal);
        return true;
    }();
    (void)installed;
}

}  // namespace

ProgressSink stderrProgress() {
    installStopHandlers();
    struct State {
        bool tty = isatty(STDERR_FILENO) != 0;
        std::string stage;
        std::int64_t lastDecile = -1;
        std::chrono::steady_clock::time_point lastDraw{};
    };
    auto st = std::make_shared<State>();
    return [st](const std::string& stage, std::int64_t done, std::int64_t total) {
        if (g_stopRequested != 0) {
            std::fprintf(stderr, "\n%s: stopping (interrupted)\n", stage.c_str());
            return false;
        }
        if (stage != st->stage) {
            if (st->tty && !st->stage.empty()) std::fputc('\n', stderr);
            st->stage = stage;
            st->lastDecile = -1;
        }
        double frac = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
        if (st->tty) {
            auto now = std::chrono::steady_clock::now();
            if (done != total && now - st->lastDraw < std::chrono::milliseconds(100)) return true;
            st->lastDraw = now;
            int filled = static_cast<int>(frac * 30);
            std::fprintf(stderr, "\r%-24s [%s%s] %lld/%lld", stage.c_str(), std::string(filled, '#').c_str(),
                         std::string(30 - filled, '.').c_str(), static_cast<long long>(done),
                         static_cast<long long>(total));
            if (done == total) std::fputc('\n', stderr);
        } else {
            std::int64_t decile = static_cast<std::int64_t>(frac * 10);
            if (decile != st->lastDecile) {
                st->lastDecile = decile;
                std::fprintf(stderr, "%s: %lld/%lld\n", stage.c_str(), static_cast<long long>(done),
                             static_cast<long long>(total));
            }
        }
        std::fflush(stderr);
        return true;
    };
}

}  // namespace prominence::cli
