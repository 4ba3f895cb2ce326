#pragma once
// Typed, range-checked access to config.json keys; every error names the file and the key.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace prominence {

class ConfigReader {
public:
    ConfigReader(const nlohmann::json& json, std::string source) : json_(json), source_(std::move(source)) {}

    const std::string& source() const { return source_; }
    const nlohmann::json& json() const { return json_; }
    // Present and not null.
    bool has(const std::string& key) const;

    std::int64_t integer(const std::string& key, std::int64_t min, std::int64_t max) const;
    std::int64_t integer(const std::string& key, std::int64_t min, std::int64_t max,
                         std::int64_t fallback) const;
    std::optional<std::int64_t> optionalInteger(const std::string& key, std::int64_t min,
                                                std::int64_t max) const;
    // Finite, in [min, max].
    double number(const std::string& key, double min, double max) const;
    double number(const std::string& key, double min, double max, double fallback) const;
    bool boolean(const std::string& key, bool fallback) const;
    std::string string(const std::string& key) const;
    std::string string(const std::string& key, const std::string& fallback) const;

    // "FILE: key 'KEY' WHAT"
    [[noreturn]] void fail(const std::string& key, const std::string& what) const;

private:
    const nlohmann::json& json_;
    std::string source_;
};

}  // namespace prominence
