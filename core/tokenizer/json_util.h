#pragma once
// Reading tokenizer JSON strictly: every accessor names the file and key path in its error, so a bad
// tokenizer.json reads like "tokenizer.json: model.merges[12]: expected a string or a pair of strings".
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "core/common/error.h"

namespace prominence::tok {

using Json = nlohmann::json;

// Parses a whole file; throws LoadError when it cannot be read, FormatError naming line and column
// when it is not JSON.
Json readJsonFile(const std::string& path);

[[noreturn]] void formatError(const std::string& where, const std::string& what);

std::string describeType(const Json& value);
const Json& requireKey(const Json& object, const char* key, const std::string& where);
std::string requireString(const Json& object, const char* key, const std::string& where);
std::string optionalString(const Json& object, const char* key, const std::string& where,
                           const std::string& fallback);
bool optionalBool(const Json& object, const char* key, const std::string& where, bool fallback);
std::int64_t requireInt(const Json& object, const char* key, const std::string& where);
std::string child(const std::string& where, const char* key);
std::string child(const std::string& where, std::size_t index);

}  // namespace prominence::tok
