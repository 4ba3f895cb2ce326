#include "core/model/config_reader.h"

#include <cmath>
#include <sstream>

#include "core/common/error.h"

namespace prominence {

bool ConfigReader::has(const std::string& key) const { return json_.contains(key) && !json_[key].is_null(); }

void ConfigReader::fail(const std::string& key, const std::string& what) const {
    throw LoadError(source_ + ": key '" + key + "' " + what);
}

std::optional<std::int64_t> ConfigReader::optionalInteger(const std::string& key, std::int64_t min,
                                                          std::int64_t max) const {
    if (!has(key)) return std::nullopt;
    const auto& v = json_[key];
    std::int64_t value = 0;
    if (v.is_number_integer()) {
        if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
            fail(key, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " + v.dump());
        value = v.get<std::int64_t>();
    } else if (v.is_number_float() && std::isfinite(v.get<double>()) && std::floor(v.get<double>()) == v.get<double>() &&
               std::fabs(v.get<double>()) < 9e15) {
        value = static_cast<std::int64_t>(v.get<double>());
    } else {
        fail(key, "must be an integer, got " + v.dump());
    }
    if (value < min || value > max)
        fail(key, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " + std::to_string(value));
    return value;
}

std::int64_t ConfigReader::integer(const std::string& key, std::int64_t min, std::int64_t max) const {
    auto v = optionalInteger(key, min, max);
    if (!v) fail(key, "is missing (an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "] is required)");
    return *v;
}

std::int64_t ConfigReader::integer(const std::string& key, std::int64_t min, std::int64_t max,
                                   std::int64_t fallback) const {
    return optionalInteger(key, min, max).value_or(fallback);
}

double ConfigReader::number(const std::string& key, double min, double max) const {
    if (!has(key)) fail(key, "is missing (a number is required)");
    const auto& v = json_[key];
    if (!v.is_number()) fail(key, "must be a number, got " + v.dump());
    const double value = v.get<double>();
    if (!std::isfinite(value) || value < min || value > max) {
        std::ostringstream s;
        s << "must be a finite number in [" << min << ", " << max << "], got " << v.dump();
        fail(key, s.str());
    }
    return value;
}

double ConfigReader::number(const std::string& key, double min, double max, double fallback) const {
    return has(key) ? number(key, min, max) : fallback;
}

bool ConfigReader::boolean(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    if (!json_[key].is_boolean()) fail(key, "must be true or false, got " + json_[key].dump());
    return json_[key].get<bool>();
}

std::string ConfigReader::string(const std::string& key) const {
    if (!has(key)) fail(key, "is missing (a string is required)");
    if (!json_[key].is_string()) fail(key, "must be a string, got " + json_[key].dump());
    return json_[key].get<std::string>();
}

std::string ConfigReader::string(const std::string& key, const std::string& fallback) const {
    return has(key) ? string(key) : fallback;
}

}  // namespace prominence
