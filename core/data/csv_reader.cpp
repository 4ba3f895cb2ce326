#include "core/data/csv_reader.h"

#include "core/common/error.h"

namespace prominence::data {

std::vector<CsvRow> parseCsv(const std::string& text, const std::string& file) {
    std::vector<CsvRow> rows;
    std::size_t i = (text.compare(0, 3, "\xEF\xBB\xBF") == 0) ? 3 : 0;
    std::int64_t line = 1;
    const std::size_t n = text.size();
    while (i < n) {
        CsvRow row;
        row.line = line;
        bool rowDone = false;
        while (!rowDone) {
            std::string field;
            if (i < n && text[i] == '"') {
                const std::int64_t openLine = line;
                ++i;
                bool closed = false;
                while (i < n) {
                    const char c = text[i];
                    if (c == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        closed = true;
                        break;
                    }
                    if (c == '\n') ++line;
                    field += c;
                    ++i;
                }
                if (!closed)
                    throw FormatError(file + ":" + std::to_string(openLine) + ": field " +
                                      std::to_string(row.fields.size() + 1) +
                                      ": quoted field is never closed (expected a closing '\"')");
                if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
                    throw FormatError(file + ":" + std::to_string(line) + ": field " +
                                      std::to_string(row.fields.size() + 1) +
                                      ": unexpected character after closing quote (expected ',' or end of line)");
            } else {
                while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') field += text[i++];
            }
            row.fields.push_back(std::move(field));
            if (i < n && text[i] == ',') {
                ++i;
                continue;
            }
            if (i < n && text[i] == '\r') ++i;
            if (i < n && text[i] == '\n') {
                ++i;
                ++line;
            }
            rowDone = true;
        }
        // A blank line is not a record (trailing newline, separators between blocks).
        if (!(row.fields.size() == 1 && row.fields[0].empty())) rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace prominence::data
