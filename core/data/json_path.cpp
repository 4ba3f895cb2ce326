#include "core/data/json_path.h"

#include <cmath>
#include <cstdlib>

#include "core/common/error.h"

namespace prominence::data {

const nlohmann::json* findPath(const nlohmann::json& root, const std::string& path) {
    const nlohmann::json* cur = &root;
    std::size_t pos = 0;
    while (cur != nullptr) {
        const std::size_t dot = path.find('.', pos);
        const std::string key = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
        if (cur->is_object()) {
            auto it = cur->find(key);
            cur = it == cur->end() ? nullptr : &*it;
        } else if (cur->is_array() && !key.empty() && key.find_first_not_of("0123456789") == std::string::npos &&
                   key.size() < 10) {
            const std::size_t idx = std::stoul(key);
            cur = idx < cur->size() ? &(*cur)[idx] : nullptr;
        } else {
            cur = nullptr;
        }
        if (dot == std::string::npos) break;
        pos = dot + 1;
    }
    return cur;
}

std::string brief(const nlohmann::json& v) {
    std::string s = v.dump();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

void fieldError(const Record& r, const std::string& path, const std::string& expected) {
    const nlohmann::json* v = findPath(r.value, path);
    throw FormatError(r.where() + "field '" + path + "': expected " + expected + ", got " +
                      (v == nullptr ? std::string("nothing (missing)") : brief(*v)));
}

const nlohmann::json& requireField(const Record& r, const std::string& path) {
    const nlohmann::json* v = findPath(r.value, path);
    if (v == nullptr) throw FormatError(r.where() + "field '" + path + "' is missing");
    return *v;
}

std::string requireString(const Record& r, const std::string& path) {
    const nlohmann::json& v = requireField(r, path);
    if (!v.is_string()) fieldError(r, path, "a string");
    return v.get<std::string>();
}

std::string optionalString(const Record& r, const std::string& path) {
    const nlohmann::json* v = findPath(r.value, path);
    if (v == nullptr || v->is_null()) return {};
    if (v->is_string()) return v->get<std::string>();
    if (v->is_number_integer()) return std::to_string(v->get<long long>());
    fieldError(r, path, "a string");
}

long long requireInt(const Record& r, const std::string& path) {
    const nlohmann::json& v = requireField(r, path);
    if (v.is_number_integer()) return v.get<long long>();
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (std::floor(d) == d && std::fabs(d) < 1e15) return static_cast<long long>(d);
    }
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        char* end = nullptr;
        const long long n = std::strtoll(s.c_str(), &end, 10);
        if (!s.empty() && end == s.c_str() + s.size()) return n;
    }
    fieldError(r, path, "an integer");
}

std::vector<std::string> requireStringArray(const Record& r, const std::string& path) {
    const nlohmann::json& v = requireField(r, path);
    if (!v.is_array()) fieldError(r, path, "an array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string()) fieldError(r, path + "." + std::to_string(i), "a string");
        out.push_back(v[i].get<std::string>());
    }
    return out;
}

}  // namespace prominence::data
