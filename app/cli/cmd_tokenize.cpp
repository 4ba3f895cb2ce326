// prominence-cli tokenize: JSONL of {"text": ...} in, the same lines with "ids" added out.
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <ostream>

#include "app/cli/command.h"
#include "core/common/error.h"
#include "core/tokenizer/tokenizer.h"

namespace prominence::cli {
namespace {

using Json = nlohmann::ordered_json;  // keeps the caller's field order

int runTokenize(const Args& args, Context& ctx) {
    const std::string inputPath = args.get("input");
    const std::string outputPath = args.get("output");
    const bool addSpecial = args.flag("add-special");
    const Tokenizer tokenizer = Tokenizer::load(args.get("tokenizer"));

    std::ifstream in(inputPath, std::ios::binary);
    if (!in) throw LoadError(inputPath + ": cannot open for reading");
    std::ofstream file;
    const bool toStdout = outputPath == "-";
    if (!toStdout) {
        file.open(outputPath, std::ios::binary | std::ios::trunc);
        if (!file) throw StorageError(outputPath + ": cannot open for writing");
    }
    std::ostream& out = toStdout ? ctx.out : file;

    const auto start = std::chrono::steady_clock::now();
    std::size_t lineNumber = 0, lines = 0, tokens = 0;
    std::string line;
    while (std::getline(in, line)) {
        ++lineNumber;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        const std::string where = inputPath + ":" + std::to_string(lineNumber);
        Json row;
        try {
            row = Json::parse(line);
        } catch (const Json::parse_error& e) {
            throw FormatError(where + ": not valid JSON (" + e.what() + ")");
        }
        if (!row.is_object()) throw FormatError(where + ": expected a JSON object, found " + std::string(row.type_name()));
        const auto text = row.find("text");
        if (text == row.end()) throw FormatError(where + ": missing key 'text'");
        if (!text->is_string()) throw FormatError(where + ": 'text' must be a string, found " + std::string(text->type_name()));
        const std::vector<std::int64_t> ids = tokenizer.encode(text->get_ref<const std::string&>(), addSpecial);
        row["ids"] = ids;
        out << row.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
        ++lines;
        tokens += ids.size();
    }
    if (in.bad()) throw LoadError(inputPath + ": read failed");
    out.flush();
    if (!out) throw StorageError(outputPath + ": write failed");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ctx.err << "tokenized " << lines << " lines into " << tokens << " tokens in " << seconds << " s ("
            << tokenizer.sourcePath() << ")\n";
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "tokenize",
    "encode the \"text\" of each JSONL line with a Hugging Face tokenizer, adding \"ids\"",
    "Each input line is a JSON object with a string field \"text\"; it is written out unchanged but for an\n"
    "added \"ids\" array (blank lines are skipped). No special tokens are added unless --add-special is given,\n"
    "which adds them (e.g. BOS) as the tokenizer's post-processor and tokenizer_config.json say. Special tokens\n"
    "written in the text itself (\"<s>\", \"<|endoftext|>\") are always recognised.\n"
    "--tokenizer takes a checkpoint or tokenizer directory holding tokenizer.json (+ tokenizer_config.json) or\n"
    "GPT-2's vocab.json + merges.txt, or the tokenizer.json file itself. --output - writes to stdout.\n"
    "A line that is not a JSON object with a string \"text\" is an error naming the file and line number.",
    {
        {"tokenizer", "PATH", "tokenizer directory, checkpoint directory or tokenizer.json", "", true, false},
        {"input", "IN.jsonl", "input lines {\"text\": ...}", "", true, false},
        {"output", "OUT.jsonl", "output lines with \"ids\" added (- for stdout)", "", true, false},
        {"add-special", "", "add the special tokens of the post-processor (BOS/EOS)", "", false, false},
    },
    runTokenize});

}  // namespace prominence::cli
