#pragma once
// One multiple-choice item as every scorer sees it, whatever file it came from.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace prominence::data {

// How an item becomes lm-evaluation-harness style loglik requests (see rendering.h).
enum class LoglikStyle {
    // context = loglikContext; continuation i = " " + choices[i]. ARC, PIQA, COPA, HellaSwag, ...
    Cloze,
    // context = the letter prompt (question, "A. ..." lines, "Answer:"); continuation i = " " + letter i.
    // lm-eval's MMLU task: the options are listed in the prompt, so their order is part of the context.
    ListedLetters,
};

struct McItem {
    std::string id;
    // The question or stem alone, without a "Question:" prefix.
    std::string question;
    // Text shown before the question (a passage), empty for most benchmarks.
    std::string context;
    // The texts the model scores (already transformed as lm-eval does, e.g. COPA's lowercased first letter).
    std::vector<std::string> choices;
    int gold = -1;
    // Every correct index, ascending: {gold} for single-answer items, the true answers for TruthfulQA MC2.
    std::vector<int> golds;
    // Source file, line, subject, language, ... (free-form, stored with results).
    nlohmann::json metadata = nlohmann::json::object();

    // Rendering (rendering.h): lm-eval's doc_to_text for Cloze items.
    std::string loglikContext;
    LoglikStyle loglikStyle = LoglikStyle::Cloze;
    // Text placed once before everything (exemplars included), e.g. MMLU's subject line.
    std::string description;
    // The question text already lists the options as letters and `choices` are those letters
    // (llm-foundry's CommonsenseQA and MMLU variants): the letter prompt is loglikContext itself and the
    // options cannot be shuffled.
    bool optionsInQuestion = false;
};

struct SkippedRecord {
    std::string file;
    std::int64_t line = 0;
    std::string reason;
};

struct Benchmark {
    std::string source;  // the file or directory it was loaded from
    std::string format;  // the format name that was used (after auto-detection)
    std::vector<McItem> items;
    std::vector<SkippedRecord> skipped;  // only with LoadOptions::skipInvalid
};

}  // namespace prominence::data
