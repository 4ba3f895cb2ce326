#pragma once
// Qt-free progress reporting and cancellation shared by every long function in core.
//
// A long function takes a `Progress&`; it calls `report(done, total)` as it goes, which throws
// `Cancelled` once the job's cancel flag is raised (by the GUI's cancel button, or by the sink
// returning false). The GUI's job runner and the CLI's progress bar are both just sinks.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "core/common/error.h"

namespace prominence {

class CancelFlag {
public:
    void cancel() noexcept { flag_.store(true, std::memory_order_relaxed); }
    bool cancelled() const noexcept { return flag_.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> flag_{false};
};

// Called with (stage, done, total); returns false to ask for cancellation.
using ProgressSink = std::function<bool(const std::string& stage, std::int64_t done, std::int64_t total)>;

class Progress {
public:
    Progress() = default;
    explicit Progress(ProgressSink sink, const CancelFlag* cancel = nullptr)
        : sink_(std::move(sink)), cancel_(cancel) {}

    // A progress object that reports nothing and is never cancelled.
    static Progress& none();

    void setStage(std::string stage) { stage_ = std::move(stage); }
    const std::string& stage() const { return stage_; }

    // Reports progress; throws Cancelled when the job should stop.
    void report(std::int64_t done, std::int64_t total);
    // Throws Cancelled when the job should stop, without reporting.
    void check() const;
    bool cancelled() const noexcept;

private:
    ProgressSink sink_;
    const CancelFlag* cancel_ = nullptr;
    std::string stage_;
    mutable bool sinkSaidStop_ = false;
};

}  // namespace prominence
