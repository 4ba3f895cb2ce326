#pragma once
// RFC 4180 CSV: quoted fields with embedded commas, newlines and doubled quotes; LF or CRLF line ends;
// a UTF-8 byte-order mark is ignored. Each row remembers the line it starts on for error messages.
#include <cstdint>
#include <string>
#include <vector>

namespace prominence::data {

struct CsvRow {
    std::int64_t line = 0;  // 1-based line where the row starts
    std::vector<std::string> fields;
};

// Parses the whole text. Throws FormatError("<file>:<line>: ...") on a quote left open at the end or a
// character after a closing quote; `file` only names the source in messages.
std::vector<CsvRow> parseCsv(const std::string& text, const std::string& file);

}  // namespace prominence::data
