#include "core/workspace/json_values.h"

#include <cmath>
#include <limits>

#include "core/common/error.h"

namespace prominence::workspace {

std::string doublesToJson(const std::vector<double>& values) {
    nlohmann::json out = nlohmann::json::array();
    for (double v : values) {
        if (std::isnan(v))
            out.push_back("nan");
        else if (std::isinf(v))
            out.push_back(v > 0 ? "inf" : "-inf");
        else
            out.push_back(v);
    }
    return out.dump();
}

std::vector<double> doublesFromJson(const std::string& text, const std::string& what) {
    const nlohmann::json j = parseJsonColumn(text, what);
    if (!j.is_array()) throw StorageError(what + ": expected a JSON array of numbers, got '" + text + "'");
    std::vector<double> out;
    out.reserve(j.size());
    for (const auto& v : j) {
        if (v.is_number()) {
            out.push_back(v.get<double>());
        } else if (v == "inf") {
            out.push_back(std::numeric_limits<double>::infinity());
        } else if (v == "-inf") {
            out.push_back(-std::numeric_limits<double>::infinity());
        } else if (v == "nan") {
            out.push_back(std::numeric_limits<double>::quiet_NaN());
        } else {
            throw StorageError(what + ": expected numbers, got " + v.dump());
        }
    }
    return out;
}

std::string stringsToJson(const std::vector<std::string>& values) {
    return dumpJson(nlohmann::json(values), "list of strings");
}

std::string dumpJson(const nlohmann::json& value, const std::string& what) {
    try {
        return value.dump();
    } catch (const nlohmann::json::exception& e) {
        throw InvalidArgument(what + ": cannot be stored as JSON: " + e.what());
    }
}

std::vector<std::string> stringsFromJson(const std::string& text, const std::string& what) {
    const nlohmann::json j = parseJsonColumn(text, what);
    if (!j.is_array()) throw StorageError(what + ": expected a JSON array of strings, got '" + text + "'");
    std::vector<std::string> out;
    for (const auto& v : j) {
        if (!v.is_string()) throw StorageError(what + ": expected strings, got " + v.dump());
        out.push_back(v.get<std::string>());
    }
    return out;
}

nlohmann::json parseJsonColumn(const std::string& text, const std::string& what) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw StorageError(what + ": stored JSON does not parse: " + e.what());
    }
}

}  // namespace prominence::workspace
