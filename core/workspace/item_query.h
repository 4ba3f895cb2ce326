#pragma once
// The example browser's query over one eval run's stored items: filter (correct / wrong, a p(correct)
// range, membership of a selection, text, items that flipped against a second run), sort by any
// column, count, pages of rows and the p(correct) histogram, all in SQL over run_items.
//
// Sorting a million items must not sort a million rows: every sort column but the computed ones
// (question, selections, the second run's p(correct) and the change) has an index whose order is the
// ORDER BY (schema version 3), so a query is one walk of that index with the filters checked on the
// entries. That fixes the tie order: ties of a column are broken by p(correct), then correctness, then
// the item index, in the sort's direction (e.g. margin descending: margin, p(correct), correct, index
// all descending); p(correct) itself by correctness, then index; correctness by p(correct), then index.
// The computed columns break ties by the index alone and are sorted by SQLite's sorter, as is any
// query with a text search (which reads every prompt, as slow as a scan of the run's rows).
//
// Thread safety: an ItemQuery uses its Workspace's connection (one thread at a time, as Workspace).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/jobs/progress.h"
#include "core/workspace/workspace.h"

namespace prominence::workspace {

enum class CorrectFilter { Any, Correct, Wrong };
// Relative to the browsed run ("here") and the compare run ("there").
enum class FlipFilter {
    Any,           // no flip condition
    RightToWrong,  // right here, wrong there: McNemar's "only here" count
    WrongToRight,  // wrong here, right there: McNemar's "only there" count
    Either,        // the discordant pairs, both directions
};

std::string correctFilterName(CorrectFilter f);  // any, correct, wrong
std::string flipFilterName(FlipFilter f);        // any, right_to_wrong, wrong_to_right, either
// InvalidArgument echoing an unknown name.
CorrectFilter parseCorrectFilter(const std::string& name);
FlipFilter parseFlipFilter(const std::string& name);

struct ItemFilter {
    CorrectFilter correct = CorrectFilter::Any;
    double pMin = 0.0;  // p(correct) in [pMin, pMax], both ends included
    double pMax = 1.0;
    std::optional<Id> selectionId;  // only items of this selection (a selection of the browsed run)
    // Case-insensitive (ASCII letters) substring of the item id or the question (questionOf(prompt)).
    std::string text;
    // The second run (the same benchmark after pruning, fine-tuning, ...), matched by item index: its
    // columns are read along, and `flip` compares correctness with it.
    std::optional<Id> compareRun;
    FlipFilter flip = FlipFilter::Any;  // needs compareRun

    bool restrictsP() const { return pMin > 0.0 || pMax < 1.0; }
    // InvalidArgument: p bounds outside [0, 1] or pMin > pMax; a flip condition without compareRun.
    void validate() const;
    // Only the fields that differ from the defaults, e.g. {"correct": "wrong", "p_max": 0.5};
    // fromJson reads that form back (InvalidArgument naming an unknown key or a bad value).
    nlohmann::json toJson() const;
    static ItemFilter fromJson(const nlohmann::json& j);
    bool operator==(const ItemFilter& o) const;
    bool operator!=(const ItemFilter& o) const { return !(*this == o); }
};

enum class ItemColumn {
    Index,           // item_index
    Id,              // the benchmark's item id
    Question,        // questionOf(prompt)
    Gold,            // gold option index
    Pred,            // predicted option index
    PCorrect,        // p(correct)
    Margin,          // p(pred) - p(runner-up)
    Correct,         // 0 / 1
    Selections,      // how many selections of the run hold the item
    ComparePCorrect, // p(correct) in the compare run (items it lacks first when ascending)
    DeltaPCorrect,   // compare run's p(correct) minus this run's
};
std::string columnName(ItemColumn c);  // index, id, question, gold, pred, p_correct, margin, ...
ItemColumn parseColumn(const std::string& name);  // InvalidArgument
// True when an index gives the column's order (a sort by it is one index walk).
bool sortedByIndex(ItemColumn c);

struct ItemSort {
    ItemColumn column = ItemColumn::Index;
    bool ascending = true;
    // "p_correct:desc" / "index:asc"; parse also takes a bare column name (ascending).
    std::string toString() const;
    static ItemSort parse(const std::string& text);
    bool operator==(const ItemSort& o) const { return column == o.column && ascending == o.ascending; }
};

// p(correct) of the compare run's item with the same index.
struct CompareCell {
    std::int64_t pred = 0;
    bool correct = false;
    double pCorrect = 0.0;
};

// One row as the browser's table shows it.
struct ItemRow {
    std::int64_t index = 0;
    std::string itemId;
    std::string question;                 // questionOf(prompt)
    std::vector<std::string> options;     // continuations: letters (letter scoring) or choice texts
    std::int64_t gold = 0;
    std::int64_t pred = 0;
    bool correct = false;
    double pCorrect = 0.0;
    double margin = 0.0;
    std::vector<Id> selections;           // ids of the run's selections that hold the item, ascending
    std::optional<CompareCell> compare;   // when a compare run is given and holds the item
};

// Bars of p(correct): bin b covers [b / bins, (b + 1) / bins), the last one includes 1.
struct PCorrectHistogram {
    int bins = 0;
    std::vector<std::int64_t> correct;
    std::vector<std::int64_t> wrong;
    std::int64_t total() const;
};
// The bin of p in a histogram of `bins` bins (p clamped into [0, 1]).
int histogramBin(double p, int bins);

struct ItemQueryResult {
    std::vector<std::int64_t> indices;  // the filter's items in sort order
    // Over the filter's items without its p(correct) range, so a range slider drawn on it shows what
    // the range leaves out.
    PCorrectHistogram histogram;
};

// The question the model answered: the prompt's last block (after the last blank line), without the
// exemplars and task description before it.
std::string questionOf(const std::string& prompt);
// The prompt split into the blocks before the question (description, exemplars) and the question.
struct PromptParts {
    std::vector<std::string> context;
    std::string question;
};
PromptParts splitPrompt(const std::string& prompt);

class ItemQuery {
public:
    // `runId` must be an eval run (StorageError when there is no such run, InvalidArgument for
    // another kind); with ReadScope::CompletedOnly it must be completed (a running, cancelled or
    // failed run's items so far need ReadScope::Any). Every query throws InvalidArgument for a filter
    // that fails validate(), names a selection of another run or a compare run that is not an eval
    // run, or sorts by a compare column without a compare run.
    ItemQuery(Workspace& ws, Id runId, ReadScope scope = ReadScope::CompletedOnly);

    Id runId() const { return runId_; }
    std::int64_t total();
    std::int64_t count(const ItemFilter& filter, Progress& progress = Progress::none());
    std::vector<std::int64_t> indices(const ItemFilter& filter, const ItemSort& sort,
                                      Progress& progress = Progress::none());
    // Rows offset .. offset + limit - 1 of indices(filter, sort), with the compare run's cells.
    std::vector<ItemRow> page(const ItemFilter& filter, const ItemSort& sort, std::int64_t offset,
                              std::int64_t limit, Progress& progress = Progress::none());
    PCorrectHistogram histogram(const ItemFilter& filter, int bins,
                                Progress& progress = Progress::none());
    // indices() and histogram() in one walk of the index.
    ItemQueryResult run(const ItemFilter& filter, const ItemSort& sort, int bins,
                        Progress& progress = Progress::none());
    // The rows of these items, in the order given; InvalidArgument for an index the run lacks.
    std::vector<ItemRow> rows(const std::vector<std::int64_t>& indices,
                              std::optional<Id> compareRun = std::nullopt);
    // SQLite's plan of the statement indices(filter, sort) runs, one line per step (EXPLAIN QUERY
    // PLAN's detail column): tests check that an indexed sort has no sort step.
    std::string plan(const ItemFilter& filter, const ItemSort& sort);
    // Whole stored items (prompt, scores, probabilities, extra), in the order given; InvalidArgument
    // for an index the run lacks.
    std::vector<ItemResult> items(const std::vector<std::int64_t>& indices);

private:
    void checkFilter(const ItemFilter& filter);
    struct Sql;
    Sql build(const ItemFilter& filter, const ItemSort& sort, bool withPRange, const std::string& columns);

    Workspace& ws_;
    Id runId_;
    ReadScope scope_;
};

}  // namespace prominence::workspace
