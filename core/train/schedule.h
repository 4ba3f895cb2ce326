#pragma once
// Learning-rate schedules as transformers' get_{constant,linear,cosine}_schedule_with_warmup: the
// multiplier of optimiser step s (0-based, the scheduler's count before its step()) is s / warmup
// during warmup, then constant 1, linear decay to 0 at `total`, or half a cosine to 0 at `total`.
#include <cstdint>
#include <string>

namespace prominence::train {

enum class ScheduleKind { Constant, Linear, Cosine };
std::string scheduleName(ScheduleKind kind);  // constant, linear, cosine
ScheduleKind parseSchedule(const std::string& name);  // InvalidArgument listing the known names

struct Schedule {
    ScheduleKind kind = ScheduleKind::Linear;
    std::int64_t warmupSteps = 0;
    std::int64_t totalSteps = 1;
    // After warmup, decay ends at this fraction of the peak instead of 0 (linear and cosine):
    // multiplier = minRatio + (1 - minRatio) * decay.
    double minRatio = 0.0;

    double multiplier(std::int64_t step) const;
};

}  // namespace prominence::train
