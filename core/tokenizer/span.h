#pragma once
#include <cstddef>

namespace prominence::tok {

// A byte range [begin, end).
struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
};

}  // namespace prominence::tok
