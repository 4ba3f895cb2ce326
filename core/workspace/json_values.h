#pragma once
// Lists of numbers stored as JSON text (scores, probabilities). Doubles are written with enough
// digits to read back bit-exactly; JSON has no infinities or NaN, so those are written as the
// strings "inf", "-inf" and "nan" (a log-likelihood can be -inf).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace prominence::workspace {

std::string doublesToJson(const std::vector<double>& values);
// `what` names the column for the error; throws StorageError on text that is not such a list.
std::vector<double> doublesFromJson(const std::string& text, const std::string& what);

std::string stringsToJson(const std::vector<std::string>& values);
std::vector<std::string> stringsFromJson(const std::string& text, const std::string& what);

// Serialises a caller's JSON; throws InvalidArgument naming `what` when it holds invalid UTF-8.
std::string dumpJson(const nlohmann::json& value, const std::string& what);
// Parses a JSON column; throws StorageError naming `what`.
nlohmann::json parseJsonColumn(const std::string& text, const std::string& what);

}  // namespace prominence::workspace
