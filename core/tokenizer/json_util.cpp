#include "core/tokenizer/json_util.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace prominence::tok {

void formatError(const std::string& where, const std::string& what) { throw FormatError(where + ": " + what); }

Json readJsonFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LoadError(path + ": cannot open for reading");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) throw LoadError(path + ": read failed");
    const std::string text = buffer.str();
    try {
        return Json::parse(text);
    } catch (const Json::parse_error& e) {
        // Turn nlohmann's byte position into a line and column a person can find.
        std::size_t line = 1, column = 1;
        const std::size_t stop = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
        for (std::size_t i = 0; i < stop; ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        throw FormatError(path + ":" + std::to_string(line) + ":" + std::to_string(column) +
                          ": not valid JSON (" + e.what() + ")");
    }
}

std::string describeType(const Json& value) { return value.type_name(); }

const Json& requireKey(const Json& object, const char* key, const std::string& where) {
    if (!object.is_object()) formatError(where, "expected an object, found " + describeType(object));
    const auto it = object.find(key);
    if (it == object.end()) formatError(where, std::string("missing key '") + key + "'");
    return *it;
}

std::string requireString(const Json& object, const char* key, const std::string& where) {
    const Json& v = requireKey(object, key, where);
    if (!v.is_string()) formatError(child(where, key), "expected a string, found " + describeType(v));
    return v.get<std::string>();
}

std::string optionalString(const Json& object, const char* key, const std::string& where,
                           const std::string& fallback) {
    if (!object.is_object()) formatError(where, "expected an object, found " + describeType(object));
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return fallback;
    if (!it->is_string()) formatError(child(where, key), "expected a string, found " + describeType(*it));
    return it->get<std::string>();
}

bool optionalBool(const Json& object, const char* key, const std::string& where, bool fallback) {
    if (!object.is_object()) formatError(where, "expected an object, found " + describeType(object));
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) formatError(child(where, key), "expected true or false, found " + describeType(*it));
    return it->get<bool>();
}

std::int64_t requireInt(const Json& object, const char* key, const std::string& where) {
    const Json& v = requireKey(object, key, where);
    if (!v.is_number_integer()) formatError(child(where, key), "expected an integer, found " + describeType(v));
    return v.get<std::int64_t>();
}

std::string child(const std::string& where, const char* key) {
    // "file.json: a.b" — the first key follows the file name after a colon.
    return where.find(": ") == std::string::npos ? where + ": " + key : where + "." + key;
}

std::string child(const std::string& where, std::size_t index) {
    return where + "[" + std::to_string(index) + "]";
}

}  // namespace prominence::tok
