#include "core/data/benchmark_loader.h"

#include <algorithm>
#include <filesystem>

#include "core/common/error.h"
#include "core/data/formats/formats.h"
#include "core/data/json_path.h"
#include "core/data/record_source.h"
#include "core/data/text_utils.h"

namespace prominence::data {
namespace {

namespace fs = std::filesystem;

const std::vector<std::pair<Format, std::string>>& formatTable() {
    static const std::vector<std::pair<Format, std::string>> table = {
        {Format::Auto, "auto"},           {Format::Icl, "icl"},
        {Format::QuestionStem, "question_stem"}, {Format::MmluCsv, "mmlu_csv"},
        {Format::Hellaswag, "hellaswag"}, {Format::Copa, "copa"},
        {Format::TruthfulQaMc1, "truthfulqa_mc1"}, {Format::TruthfulQaMc2, "truthfulqa_mc2"},
        {Format::Generic, "generic"},
    };
    return table;
}

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return s;
}

bool isMmluHeader(const nlohmann::json& row) {
    return row.is_array() && row.size() == 6 && lower(row[0].get<std::string>()) == "question" &&
           lower(row[5].get<std::string>()) == "answer";
}

bool looksLikeMmluRow(const nlohmann::json& row) {
    if (!row.is_array() || row.size() != 6) return false;
    const std::string a = strip(row[5].get<std::string>());
    return a.size() == 1 && ((a[0] >= 'A' && a[0] <= 'D') || (a[0] >= '0' && a[0] <= '3'));
}

Format detect(const RecordSource& src, const LoadOptions& options) {
    if (!options.fields.empty()) return Format::Generic;
    const Record* first = nullptr;
    for (const auto& r : src.records)
        if (r.parseError.empty()) {
            first = &r;
            break;
        }
    if (first == nullptr) throw FormatError(src.file + ": no readable record to detect the format from");
    const nlohmann::json& v = first->value;
    if (src.kind == SourceKind::Csv) {
        if (isMmluHeader(v) || looksLikeMmluRow(v)) return Format::MmluCsv;
        throw FormatError(first->where() + "CSV is not MMLU's layout (question, 4 choices, answer); describe it "
                                           "with --field question=... --field choices=... --field answer=...");
    }
    if (!v.is_object()) throw FormatError(first->where() + "expected a JSON object per record, got " + brief(v));
    auto has = [&](const char* path) { return findPath(v, path) != nullptr; };
    if (has("query") && has("choices") && has("gold")) return Format::Icl;
    if (has("question.stem") && has("answerKey")) return Format::QuestionStem;
    if (has("endings") && has("label")) return Format::Hellaswag;
    if (has("premise") && has("choice1") && has("choice2")) return Format::Copa;
    if (has("mc1_targets")) return Format::TruthfulQaMc1;
    std::string keys;
    for (const auto& [k, _] : v.items()) keys += (keys.empty() ? "" : ", ") + k;
    throw FormatError(first->where() + "cannot tell the benchmark format from the fields {" + keys +
                      "}; pass --format or describe it with --field question=... --field choices=... "
                      "--field answer=...");
}

// "test.et.jsonl" -> "et"; "truthfulqa_multi_es.validation.json" -> "es".
std::string languageFromName(const std::string& path) {
    const std::string name = fs::path(path).filename().string();
    std::vector<std::string> parts;
    std::string cur;
    for (char c : name) {
        if (c == '.' || c == '_') {
            parts.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    parts.push_back(cur);
    for (std::size_t i = 1; i + 1 < parts.size(); ++i)
        if (parts[i].size() == 2 && lower(parts[i]) == parts[i]) return parts[i];
    return "en";
}

std::string mmluSubject(const std::string& path) {
    std::string stem = fs::path(path).stem().string();
    for (const char* suffix : {"_test", "_dev", "_val", "_validation", "_train"})
        if (endsWith(stem, suffix)) return stem.substr(0, stem.size() - std::string(suffix).size());
    return stem;
}

// CSV rows become objects keyed by the header row for the generic importer.
nlohmann::json rowAsObject(const Record& r, const nlohmann::json& header) {
    if (r.value.size() != header.size())
        throw FormatError(r.where() + "expected " + std::to_string(header.size()) + " columns like the header, got " +
                          std::to_string(r.value.size()));
    nlohmann::json o = nlohmann::json::object();
    for (std::size_t i = 0; i < header.size(); ++i) o[header[i].get<std::string>()] = r.value[i];
    return o;
}

void loadFile(const std::string& path, const LoadOptions& options, Benchmark& out, Progress& progress) {
    RecordSource src = readRecords(path);
    const Format format = options.format == Format::Auto ? detect(src, options) : options.format;
    if (format == Format::Generic &&
        (options.fields.question.empty() || options.fields.choices.empty() || options.fields.answer.empty()))
        throw InvalidArgument("the generic importer needs --field question=PATH, --field choices=PATH and "
                              "--field answer=PATH");
    const std::string fileFormat = formatName(format);
    out.format = out.format.empty() || out.format == fileFormat ? fileFormat : "mixed";

    const std::string language = options.language.empty() ? languageFromName(path) : options.language;
    const bool openBook = lower(path).find("openbook") != std::string::npos || lower(path).find("obqa") != std::string::npos;
    const std::string subject = mmluSubject(path);
    nlohmann::json csvHeader;
    std::size_t firstRecord = 0;
    if (src.kind == SourceKind::Csv && !src.records.empty() &&
        (format == Format::Generic || isMmluHeader(src.records[0].value))) {
        csvHeader = src.records[0].value;
        firstRecord = 1;
    }

    const std::size_t total = src.records.size();
    for (std::size_t i = firstRecord; i < total; ++i) {
        Record& r = src.records[i];
        try {
            if (!r.parseError.empty()) throw FormatError(r.where() + r.parseError);
            if (src.kind != SourceKind::Csv && !r.value.is_object())
                throw FormatError(r.where() + "expected a JSON object, got " + brief(r.value));
            McItem item;
            switch (format) {
                case Format::Icl: item = formats::fromIcl(r); break;
                case Format::QuestionStem: item = formats::fromQuestionStem(r, openBook); break;
                case Format::MmluCsv:
                    if (src.kind != SourceKind::Csv) throw FormatError(r.where() + "mmlu_csv needs a .csv file");
                    item = formats::fromMmluRow(r, subject);
                    break;
                case Format::Hellaswag: item = formats::fromHellaswag(r); break;
                case Format::Copa: item = formats::fromCopa(r, language); break;
                case Format::TruthfulQaMc1:
                case Format::TruthfulQaMc2: {
                    std::string lang = options.language.empty() ? optionalString(r, "lang") : options.language;
                    if (lang.empty()) lang = language;
                    item = formats::fromTruthfulQa(r, format == Format::TruthfulQaMc2, lang);
                    break;
                }
                case Format::Generic:
                    if (src.kind == SourceKind::Csv) {
                        Record asObject = r;
                        asObject.value = rowAsObject(r, csvHeader);
                        item = formats::fromGeneric(asObject, options.fields);
                    } else {
                        item = formats::fromGeneric(r, options.fields);
                    }
                    break;
                case Format::Auto: break;
            }
            out.items.push_back(std::move(item));
        } catch (const FormatError& e) {
            if (!options.skipInvalid) throw;
            out.skipped.push_back({r.file, r.line, e.what()});
        } catch (const nlohmann::json::exception& e) {
            // A record whose shape a converter did not foresee: still a bad record, not a crash.
            if (!options.skipInvalid) throw FormatError(r.where() + e.what());
            out.skipped.push_back({r.file, r.line, r.where() + e.what()});
        }
        if ((i + 1) % 1000 == 0) progress.report(static_cast<std::int64_t>(i + 1), static_cast<std::int64_t>(total));
    }
}

}  // namespace

std::string formatName(Format format) {
    for (const auto& [f, name] : formatTable())
        if (f == format) return name;
    return "unknown";
}

std::string knownFormatNames() {
    std::string s;
    for (const auto& [f, name] : formatTable()) s += (s.empty() ? "" : ", ") + name;
    return s;
}

Format parseFormat(const std::string& name) {
    for (const auto& [f, n] : formatTable())
        if (n == name) return f;
    throw InvalidArgument("benchmark format '" + name + "': expected one of " + knownFormatNames());
}

Benchmark loadBenchmark(const std::string& path, const LoadOptions& options, Progress& progress) {
    Benchmark out;
    out.source = path;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        std::vector<std::string> files;
        for (const auto& entry : fs::directory_iterator(path, ec)) {
            const std::string ext = lower(entry.path().extension().string());
            if (entry.is_regular_file() && (ext == ".csv" || ext == ".jsonl" || ext == ".json"))
                files.push_back(entry.path().string());
        }
        if (ec) throw LoadError(path + ": cannot list directory (" + ec.message() + ")");
        std::sort(files.begin(), files.end());
        if (files.empty()) throw LoadError(path + ": directory holds no .csv, .jsonl or .json benchmark file");
        for (std::size_t i = 0; i < files.size(); ++i) {
            loadFile(files[i], options, out, progress);
            progress.report(static_cast<std::int64_t>(i + 1), static_cast<std::int64_t>(files.size()));
        }
    } else {
        if (!fs::exists(path, ec)) throw LoadError(path + ": no such file");
        loadFile(path, options, out, progress);
    }
    if (out.items.empty())
        throw FormatError(path + ": no items loaded" +
                          (out.skipped.empty() ? std::string() : " (all " + std::to_string(out.skipped.size()) +
                                                                     " records were invalid; first: " +
                                                                     out.skipped.front().reason + ")"));
    return out;
}

}  // namespace prominence::data
