#pragma once
// Dotted paths into JSON records ("question.stem", "mc1_targets.choices", "options.0"), plus typed
// field access whose errors name the record's file, line and the field path.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/data/record_source.h"

namespace prominence::data {

// The value at `path` ('.'-separated keys; a numeric segment also indexes an array), or nullptr.
const nlohmann::json* findPath(const nlohmann::json& root, const std::string& path);

// Typed access; each throws FormatError "<file>:<line>: field '<path>': expected ..., got ...".
const nlohmann::json& requireField(const Record& r, const std::string& path);
std::string requireString(const Record& r, const std::string& path);
long long requireInt(const Record& r, const std::string& path);  // also accepts "3" and 3.0
std::vector<std::string> requireStringArray(const Record& r, const std::string& path);
std::string optionalString(const Record& r, const std::string& path);

// Short JSON rendering of a value for error messages (truncated).
std::string brief(const nlohmann::json& v);

[[noreturn]] void fieldError(const Record& r, const std::string& path, const std::string& expected);

}  // namespace prominence::data
