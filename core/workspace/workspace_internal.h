#pragma once
// Helpers shared by the workspace_*.cpp files; not part of the module's API.
#include <string>

#include "core/common/error.h"
#include "core/workspace/json_values.h"
#include "core/workspace/records.h"

namespace prominence::workspace::detail {

// Every stored time: UTC, millisecond precision, sortable as text.
inline constexpr const char* kNowSql = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

[[noreturn]] inline void notFound(const std::string& path, const std::string& what, Id id) {
    throw StorageError("workspace '" + path + "': " + what + " " + std::to_string(id) + " does not exist");
}

}  // namespace prominence::workspace::detail
