#include "core/jobs/progress.h"

namespace prominence {

Progress& Progress::none() {
    thread_local Progress silent;
    return silent;
}

bool Progress::cancelled() const noexcept {
    return sinkSaidStop_ || (cancel_ != nullptr && cancel_->cancelled());
}

void Progress::check() const {
    if (cancelled()) throw Cancelled();
}

void Progress::report(std::int64_t done, std::int64_t total) {
    if (sink_ && !sink_(stage_, done, total)) sinkSaidStop_ = true;
    check();
}

}  // namespace prominence
