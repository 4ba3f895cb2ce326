#include "core/data/record_source.h"

#include <fstream>
#include <sstream>

#include "core/common/error.h"
#include "core/data/csv_reader.h"

namespace prominence::data {
namespace {

bool hasExtension(const std::string& path, const std::string& ext) {
    if (path.size() < ext.size()) return false;
    for (std::size_t i = 0; i < ext.size(); ++i) {
        char c = path[path.size() - ext.size() + i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        if (c != ext[i]) return false;
    }
    return true;
}

void parseJsonl(const std::string& text, RecordSource& src) {
    std::int64_t line = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        ++line;
        std::string body = text.substr(pos, end - pos);
        pos = end + 1;
        if (line == 1 && body.compare(0, 3, "\xEF\xBB\xBF") == 0) body.erase(0, 3);
        if (body.find_first_not_of(" \t\r") == std::string::npos) continue;
        Record r;
        r.file = src.file;
        r.line = line;
        try {
            r.value = nlohmann::json::parse(body);
        } catch (const nlohmann::json::parse_error& e) {
            r.parseError = std::string("not valid JSON (") + e.what() + ")";
        }
        src.records.push_back(std::move(r));
    }
}

// Finds each top-level element of a JSON array by bracket depth (outside strings) and parses the
// elements one by one, so that a bad element costs one record and keeps its own line number.
void parseJsonArray(const std::string& text, RecordSource& src) {
    std::size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    std::int64_t line = 1;
    auto skipSpace = [&] {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) {
            if (text[i] == '\n') ++line;
            ++i;
        }
    };
    auto fail = [&](const std::string& what) {
        throw FormatError(src.file + ":" + std::to_string(line) + ": " + what);
    };
    skipSpace();
    if (i >= text.size() || text[i] != '[') fail("expected a JSON array ('[')");
    ++i;
    skipSpace();
    if (i < text.size() && text[i] == ']') return;
    while (true) {
        skipSpace();
        const std::size_t start = i;
        const std::int64_t startLine = line;
        int depth = 0;
        bool inString = false;
        for (; i < text.size(); ++i) {
            const char c = text[i];
            if (c == '\n') ++line;
            if (inString) {
                if (c == '\\') {
                    ++i;
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                if (depth == 0) break;
                --depth;
            } else if (c == ',' && depth == 0) {
                break;
            }
        }
        if (i >= text.size()) fail("JSON array is not closed (expected ']' before the end of the file)");
        Record r;
        r.file = src.file;
        r.line = startLine;
        try {
            r.value = nlohmann::json::parse(text.begin() + static_cast<std::ptrdiff_t>(start),
                                            text.begin() + static_cast<std::ptrdiff_t>(i));
        } catch (const nlohmann::json::parse_error& e) {
            r.parseError = std::string("array element is not valid JSON (") + e.what() + ")";
        }
        src.records.push_back(std::move(r));
        if (text[i] == ']') break;
        ++i;  // the comma
    }
    ++i;
    skipSpace();
    if (i < text.size()) fail("unexpected text after the closing ']' of the JSON array");
}

}  // namespace

std::string readTextFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LoadError(path + ": cannot open file for reading");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw LoadError(path + ": read failed");
    return ss.str();
}

RecordSource parseRecords(const std::string& text, const std::string& file, SourceKind kind) {
    RecordSource src;
    src.file = file;
    src.kind = kind;
    switch (kind) {
        case SourceKind::Jsonl:
            parseJsonl(text, src);
            break;
        case SourceKind::JsonArray:
            parseJsonArray(text, src);
            break;
        case SourceKind::Csv:
            for (auto& row : parseCsv(text, file)) {
                Record r;
                r.file = file;
                r.line = row.line;
                r.value = nlohmann::json(row.fields);
                src.records.push_back(std::move(r));
            }
            break;
    }
    return src;
}

RecordSource readRecords(const std::string& path) {
    const std::string text = readTextFile(path);
    if (hasExtension(path, ".csv")) return parseRecords(text, path, SourceKind::Csv);
    const std::size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
    if (first != std::string::npos && text[first] == '[') return parseRecords(text, path, SourceKind::JsonArray);
    return parseRecords(text, path, SourceKind::Jsonl);
}

}  // namespace prominence::data
