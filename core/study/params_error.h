#pragma once
// Turning a core InvalidArgument raised while checking a step's parameters into the step's
// ParamsError.
#include "core/study/step.h"

namespace prominence::study {

template <typename F>
auto asParamsError(F check) -> decltype(check()) {
    try {
        return check();
    } catch (const ParamsError&) {
        throw;
    } catch (const InvalidArgument& e) {
        throw ParamsError(e.what());
    }
}

}  // namespace prominence::study
