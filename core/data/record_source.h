#pragma once
// Splits a benchmark file into records, each with the line it starts on, before any format looks at
// them: JSONL (one value per non-blank line), a JSON array (one record per element) or CSV (one record
// per row, as an array of strings). A record that does not parse is kept with its error so that
// --skip-invalid can report it and go on.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace prominence::data {

enum class SourceKind { Jsonl, JsonArray, Csv };

struct Record {
    std::string file;
    std::int64_t line = 0;        // 1-based
    nlohmann::json value;         // JSON value, or a CSV row as an array of strings
    std::string parseError;       // non-empty when the record is not valid JSON

    // "<file>:<line>: " for messages about this record.
    std::string where() const { return file + ":" + std::to_string(line) + ": "; }
};

struct RecordSource {
    std::string file;
    SourceKind kind = SourceKind::Jsonl;
    std::vector<Record> records;
};

// Reads `path`. CSV by extension (.csv, .tsv is not supported), else a JSON array when the first
// non-blank character is '[', else JSONL. Throws LoadError when the file cannot be read and
// FormatError when a JSON array's brackets do not balance (no record boundary can be trusted then).
RecordSource readRecords(const std::string& path);

// The same from text already in memory; `file` names it in messages.
RecordSource parseRecords(const std::string& text, const std::string& file, SourceKind kind);

std::string readTextFile(const std::string& path);

}  // namespace prominence::data
