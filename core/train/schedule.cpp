// Warmup + constant / linear / cosine learning-rate multipliers.
#include "core/train/schedule.h"

#include <algorithm>
#include <cmath>

#include "core/common/error.h"

namespace prominence::train {

std::string scheduleName(ScheduleKind kind) {
    switch (kind) {
    case ScheduleKind::Constant: return "constant";
    case ScheduleKind::Linear: return "linear";
    case ScheduleKind::Cosine: return "cosine";
    }
    return "?";
}

ScheduleKind parseSchedule(const std::string& name) {
    for (ScheduleKind k : {ScheduleKind::Constant, ScheduleKind::Linear, ScheduleKind::Cosine})
        if (scheduleName(k) == name) return k;
    throw InvalidArgument("unknown learning-rate schedule '" + name + "' (known: constant, linear, cosine)");
}

double Schedule::multiplier(std::int64_t step) const {
    if (step < warmupSteps) return static_cast<double>(step) / static_cast<double>(std::max<std::int64_t>(1, warmupSteps));
    const double span = static_cast<double>(std::max<std::int64_t>(1, totalSteps - warmupSteps));
    const double progress = static_cast<double>(step - warmupSteps) / span;
    switch (kind) {
    case ScheduleKind::Constant: return 1.0;
    case ScheduleKind::Linear:
        return minRatio + (1.0 - minRatio) * std::max(0.0, static_cast<double>(totalSteps - step) / span);
    case ScheduleKind::Cosine:
        return minRatio + (1.0 - minRatio) * std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress))));
    }
    return 1.0;
}

}  // namespace prominence::train
