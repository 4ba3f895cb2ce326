#pragma once
// Synthetic multiple-choice benchmarks of the Shortcut Lab, deterministic from a seed, written in the
// `{query, choices, gold}` JSONL that core/data reads natively (the icl format), so every other feature
// treats them like real benchmark files.
//
// Tasks (docs/shortcut-lab.md):
//   member           "which word is a fruit?"  one option is a fruit, three come from other categories
//   outlier          "which word does not belong?"  three options share a category, the gold is the fourth
//   source           member questions carrying the planted tags "ref <x> <y>," that always point to the
//                    gold; a fraction are ambiguous (two options are fruits, only the tags say which)
//   source_conflict  source-style questions (never ambiguous) whose tags point to a wrong option
//   outlier_tagged   outlier questions whose tags point to a wrong option
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace prominence::lab {

enum class LabTask { Member, Outlier, Source, SourceConflict, OutlierTagged };

std::string taskName(LabTask task);        // member, outlier, source, source_conflict, outlier_tagged
LabTask parseTask(const std::string& name);  // InvalidArgument echoing an unknown name
const std::vector<LabTask>& allTasks();

struct LabItem {
    std::string id;
    LabTask task = LabTask::Member;
    std::string query;  // "Question: ..." (rendered by core/data as the letter prompt)
    std::vector<std::string> choices;
    int gold = -1;
    int cue = -1;            // option the tags point to; -1 when the question has no tags
    bool ambiguous = false;  // two options belong to the asked category (source only)

    // {"id", "query", "choices", "gold", "task", "cue", "ambiguous"}; core/data reads the first four.
    nlohmann::json toJson() const;
};

struct GeneratorOptions {
    // Share of source items with two members of the asked category. Their gold cannot be derived from
    // the words; only the tags give it, which makes the tags necessary for confident source answers.
    double ambiguousFraction = 0.5;
    // The planted cue: a pair of tags "ref <x> <y>," naming option (index(x) + index(y)) mod 4 (a
    // modular sum: not linear in either tag), or a single tag "ref <x>," naming option index(x) (a
    // lookup, as a surface cue in a real benchmark would be).
    bool singleTag = false;
};

// `count` items of one task. Item k depends only on (seed, task, k), so a longer benchmark extends a
// shorter one. Gold letters are uniform.
std::vector<LabItem> generateTask(LabTask task, int count, std::uint64_t seed,
                                  const GeneratorOptions& options = {});

// Like generateTask, but skips items whose query and choices equal an item of `exclude` (a training
// corpus must not contain the test items).
std::vector<LabItem> generateTaskExcluding(LabTask task, int count, std::uint64_t seed,
                                           const std::vector<LabItem>& exclude,
                                           const GeneratorOptions& options = {});

// The option the tags in `query` point to, or -1 when it has no tags: the ground truth of the planted
// mechanism, read back from the text the model saw.
int cueFromQuery(const std::string& query);
// The text with its tags ("ref <x> <y>, " or "ref <x>, ") cut out: the same question untagged.
std::string removeTags(const std::string& text);

// Writes one JSON object per line through a temporary file renamed into place. StorageError.
void writeJsonl(const std::string& path, const std::vector<LabItem>& items);
std::vector<LabItem> readJsonl(const std::string& path);  // LoadError / FormatError

}  // namespace prominence::lab
