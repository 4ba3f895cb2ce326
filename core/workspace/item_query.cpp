#include "core/workspace/item_query.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/workspace/json_values.h"

namespace prominence::workspace {
namespace {

// Rows between two cancellation checks of a long walk.
constexpr std::int64_t kCheckEvery = 65536;

// SQL's lower() folds ASCII letters only; the text filter folds its needle the same way.
std::string asciiLower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// prominence_question(prompt): questionOf() for SQL (sort and search by the question).
void questionFunction(sqlite3_context* ctx, int, sqlite3_value** argv) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    if (text == nullptr) {
        sqlite3_result_null(ctx);
        return;
    }
    const std::string q = questionOf(std::string(text, static_cast<std::size_t>(sqlite3_value_bytes(argv[0]))));
    sqlite3_result_text64(ctx, q.data(), q.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void registerFunctions(Database& db) {
    const int rc = sqlite3_create_function_v2(db.handle(), "prominence_question", 1,
                                              SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                              questionFunction, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) db.fail(rc, "registering prominence_question()");
}

// The index that walks a column in its ORDER BY (schema.cpp, version 3), or null.
const char* indexFor(ItemColumn c) {
    switch (c) {
    case ItemColumn::Index: return "run_items_by_index";
    case ItemColumn::Id: return "run_items_by_item_id";
    case ItemColumn::Gold: return "run_items_by_gold";
    case ItemColumn::Pred: return "run_items_by_pred";
    case ItemColumn::PCorrect: return "run_items_by_p_correct";
    case ItemColumn::Margin: return "run_items_by_margin";
    case ItemColumn::Correct: return "run_items_by_correct";
    default: return nullptr;
    }
}

// ORDER BY terms, ascending; the indexed ones list exactly their index's columns.
std::vector<std::string> orderTerms(ItemColumn c) {
    switch (c) {
    case ItemColumn::Index: return {"a.item_index"};
    case ItemColumn::Id: return {"a.item_id", "a.p_correct", "a.correct", "a.item_index"};
    case ItemColumn::Gold: return {"a.gold", "a.p_correct", "a.correct", "a.item_index"};
    case ItemColumn::Pred: return {"a.pred", "a.p_correct", "a.correct", "a.item_index"};
    case ItemColumn::PCorrect: return {"a.p_correct", "a.correct", "a.item_index"};
    case ItemColumn::Margin: return {"a.margin", "a.p_correct", "a.correct", "a.item_index"};
    case ItemColumn::Correct: return {"a.correct", "a.p_correct", "a.item_index"};
    case ItemColumn::Question: return {"prominence_question(a.prompt)", "a.item_index"};
    case ItemColumn::Selections:
        return {"(SELECT count(*) FROM selections AS s JOIN selection_items AS si ON si.selection_id = s.id "
                "WHERE s.run_id = a.run_id AND si.item_index = a.item_index)",
                "a.item_index"};
    case ItemColumn::ComparePCorrect: return {"b.p_correct", "a.item_index"};
    case ItemColumn::DeltaPCorrect: return {"b.p_correct - a.p_correct", "a.item_index"};
    }
    return {"a.item_index"};
}

bool needsCompare(ItemColumn c) { return c == ItemColumn::ComparePCorrect || c == ItemColumn::DeltaPCorrect; }

std::string pText(double p) {
    std::ostringstream out;
    out << p;
    return out.str();
}

}  // namespace

// ---- names -----------------------------------------------------------------------------------

std::string correctFilterName(CorrectFilter f) {
    switch (f) {
    case CorrectFilter::Any: return "any";
    case CorrectFilter::Correct: return "correct";
    case CorrectFilter::Wrong: return "wrong";
    }
    return "any";
}

std::string flipFilterName(FlipFilter f) {
    switch (f) {
    case FlipFilter::Any: return "any";
    case FlipFilter::RightToWrong: return "right_to_wrong";
    case FlipFilter::WrongToRight: return "wrong_to_right";
    case FlipFilter::Either: return "either";
    }
    return "any";
}

CorrectFilter parseCorrectFilter(const std::string& name) {
    for (CorrectFilter f : {CorrectFilter::Any, CorrectFilter::Correct, CorrectFilter::Wrong})
        if (correctFilterName(f) == name) return f;
    throw InvalidArgument("correct filter '" + name + "': expected any, correct or wrong");
}

FlipFilter parseFlipFilter(const std::string& name) {
    for (FlipFilter f : {FlipFilter::Any, FlipFilter::RightToWrong, FlipFilter::WrongToRight, FlipFilter::Either})
        if (flipFilterName(f) == name) return f;
    throw InvalidArgument("flip filter '" + name + "': expected any, right_to_wrong, wrong_to_right or either");
}

namespace {
constexpr ItemColumn kColumns[] = {ItemColumn::Index,      ItemColumn::Id,       ItemColumn::Question,
                                   ItemColumn::Gold,       ItemColumn::Pred,     ItemColumn::PCorrect,
                                   ItemColumn::Margin,     ItemColumn::Correct,  ItemColumn::Selections,
                                   ItemColumn::ComparePCorrect, ItemColumn::DeltaPCorrect};
}  // namespace

std::string columnName(ItemColumn c) {
    switch (c) {
    case ItemColumn::Index: return "index";
    case ItemColumn::Id: return "id";
    case ItemColumn::Question: return "question";
    case ItemColumn::Gold: return "gold";
    case ItemColumn::Pred: return "pred";
    case ItemColumn::PCorrect: return "p_correct";
    case ItemColumn::Margin: return "margin";
    case ItemColumn::Correct: return "correct";
    case ItemColumn::Selections: return "selections";
    case ItemColumn::ComparePCorrect: return "compare_p_correct";
    case ItemColumn::DeltaPCorrect: return "delta_p_correct";
    }
    return "index";
}

ItemColumn parseColumn(const std::string& name) {
    for (ItemColumn c : kColumns)
        if (columnName(c) == name) return c;
    std::string known;
    for (ItemColumn c : kColumns) known += (known.empty() ? "" : ", ") + columnName(c);
    throw InvalidArgument("sort column '" + name + "': expected one of " + known);
}

bool sortedByIndex(ItemColumn c) { return indexFor(c) != nullptr; }

std::string ItemSort::toString() const { return columnName(column) + (ascending ? ":asc" : ":desc"); }

ItemSort ItemSort::parse(const std::string& text) {
    ItemSort s;
    const std::size_t colon = text.find(':');
    s.column = parseColumn(text.substr(0, colon));
    if (colon != std::string::npos) {
        const std::string dir = text.substr(colon + 1);
        if (dir == "asc") s.ascending = true;
        else if (dir == "desc") s.ascending = false;
        else throw InvalidArgument("sort '" + text + "': the direction is '" + dir + "', expected asc or desc");
    }
    return s;
}

// ---- filter ----------------------------------------------------------------------------------

void ItemFilter::validate() const {
    auto inUnit = [](double p) { return std::isfinite(p) && p >= 0.0 && p <= 1.0; };
    if (!inUnit(pMin) || !inUnit(pMax))
        throw InvalidArgument("item filter: the p(correct) range [" + pText(pMin) + ", " + pText(pMax) +
                              "] must lie inside [0, 1]");
    if (pMin > pMax)
        throw InvalidArgument("item filter: the p(correct) range [" + pText(pMin) + ", " + pText(pMax) +
                              "] is empty (minimum above maximum)");
    if (flip != FlipFilter::Any && !compareRun)
        throw InvalidArgument("item filter: flip '" + flipFilterName(flip) + "' needs a compare run");
}

nlohmann::json ItemFilter::toJson() const {
    nlohmann::json j = nlohmann::json::object();
    if (correct != CorrectFilter::Any) j["correct"] = correctFilterName(correct);
    if (pMin > 0.0) j["p_min"] = pMin;
    if (pMax < 1.0) j["p_max"] = pMax;
    if (selectionId) j["selection"] = *selectionId;
    if (!text.empty()) j["text"] = text;
    if (compareRun) j["compare_run"] = *compareRun;
    if (flip != FlipFilter::Any) j["flip"] = flipFilterName(flip);
    return j;
}

ItemFilter ItemFilter::fromJson(const nlohmann::json& j) {
    if (!j.is_object()) throw InvalidArgument("item filter: expected a JSON object, got " + j.dump());
    ItemFilter f;
    for (const auto& [key, v] : j.items()) {
        auto fail = [&](const char* expected) {
            throw InvalidArgument("item filter: '" + key + "' is " + v.dump() + ", expected " + expected);
        };
        if (key == "correct") {
            if (!v.is_string()) fail("any, correct or wrong");
            f.correct = parseCorrectFilter(v.get<std::string>());
        } else if (key == "p_min" || key == "p_max") {
            if (!v.is_number()) fail("a number in [0, 1]");
            (key == "p_min" ? f.pMin : f.pMax) = v.get<double>();
        } else if (key == "selection" || key == "compare_run") {
            if (!v.is_number_integer() || v.get<std::int64_t>() <= 0) fail("a positive id");
            (key == "selection" ? f.selectionId : f.compareRun) = v.get<Id>();
        } else if (key == "text") {
            if (!v.is_string()) fail("a string");
            f.text = v.get<std::string>();
        } else if (key == "flip") {
            if (!v.is_string()) fail("any, right_to_wrong, wrong_to_right or either");
            f.flip = parseFlipFilter(v.get<std::string>());
        } else {
            throw InvalidArgument("item filter: unknown key '" + key +
                                  "' (known: correct, p_min, p_max, selection, text, compare_run, flip)");
        }
    }
    f.validate();
    return f;
}

bool ItemFilter::operator==(const ItemFilter& o) const {
    return correct == o.correct && pMin == o.pMin && pMax == o.pMax && selectionId == o.selectionId &&
           text == o.text && compareRun == o.compareRun && flip == o.flip;
}

// ---- histogram and prompt parts --------------------------------------------------------------

std::int64_t PCorrectHistogram::total() const {
    std::int64_t n = 0;
    for (std::int64_t c : correct) n += c;
    for (std::int64_t c : wrong) n += c;
    return n;
}

int histogramBin(double p, int bins) {
    if (bins <= 0) throw InvalidArgument("histogram: " + std::to_string(bins) + " bins, expected at least 1");
    if (!(p > 0.0)) return 0;  // also NaN
    if (p >= 1.0) return bins - 1;
    return std::min(bins - 1, static_cast<int>(std::floor(p * bins)));
}

std::string questionOf(const std::string& prompt) {
    const std::size_t cut = prompt.rfind("\n\n");
    if (cut == std::string::npos || cut + 2 >= prompt.size()) return prompt;
    return prompt.substr(cut + 2);
}

PromptParts splitPrompt(const std::string& prompt) {
    PromptParts parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t cut = prompt.find("\n\n", start);
        if (cut == std::string::npos || cut + 2 >= prompt.size()) break;
        parts.context.push_back(prompt.substr(start, cut - start));
        start = cut + 2;
    }
    parts.question = prompt.substr(start);
    return parts;
}

// ---- the query -------------------------------------------------------------------------------

struct ItemQuery::Sql {
    std::string text;
    bool compare = false;
    bool selection = false;
    bool pRange = false;
    bool search = false;
};

ItemQuery::ItemQuery(Workspace& ws, Id runId, ReadScope scope) : ws_(ws), runId_(runId), scope_(scope) {
    const RunRecord run = ws_.run(runId);
    if (run.kind != "eval")
        throw InvalidArgument("run " + std::to_string(runId) + " is a '" + run.kind + "' run, not an eval run");
    if (scope == ReadScope::CompletedOnly && run.status != RunStatus::Completed)
        throw InvalidArgument("run " + std::to_string(runId) + " is '" + runStatusName(run.status) +
                              "'; only a completed run's items are final");
    registerFunctions(ws_.database());
}

void ItemQuery::checkFilter(const ItemFilter& f) {
    f.validate();
    if (f.compareRun) {
        const RunRecord other = ws_.run(*f.compareRun);
        if (other.kind != "eval")
            throw InvalidArgument("compare run " + std::to_string(other.id) + " is a '" + other.kind +
                                  "' run, not an eval run");
        if (scope_ == ReadScope::CompletedOnly && other.status != RunStatus::Completed)
            throw InvalidArgument("compare run " + std::to_string(other.id) + " is '" +
                                  runStatusName(other.status) + "'; only a completed run's items are final");
    }
    if (f.selectionId) {
        Statement st = ws_.database().prepare("SELECT run_id FROM selections WHERE id = ?", "checking a selection");
        st.bind(1, *f.selectionId);
        if (!st.step()) throw InvalidArgument("selection " + std::to_string(*f.selectionId) + " does not exist");
        if (st.getInt(0) != runId_)
            throw InvalidArgument("selection " + std::to_string(*f.selectionId) + " belongs to run " +
                                  std::to_string(st.getInt(0)) + ", not to run " + std::to_string(runId_));
    }
}

// Parameters: ?1 run, ?2 compare run, ?3 selection, ?4 / ?5 p range, ?6 text (lower case).
ItemQuery::Sql ItemQuery::build(const ItemFilter& f, const ItemSort& sort, bool withPRange,
                                const std::string& columns) {
    checkFilter(f);
    if (needsCompare(sort.column) && !f.compareRun)
        throw InvalidArgument("sorting by '" + columnName(sort.column) + "' needs a compare run");
    Sql q;
    q.search = !f.text.empty();
    // Forcing the sort column's index makes the query one walk of it in order; the plan SQLite
    // picks by itself may sort the whole run instead. A text search reads each row anyway.
    const char* index = q.search ? nullptr : indexFor(sort.column);
    q.text = "SELECT " + columns + " FROM run_items AS a";
    if (index) q.text += std::string(" INDEXED BY ") + index;
    if (needsCompare(sort.column)) {
        q.compare = true;
        // The compact index, not the table: a lookup reads a few bytes instead of a row with its prompt.
        q.text += " LEFT JOIN run_items AS b INDEXED BY run_items_by_index ON b.run_id = ?2 AND b.item_index = a.item_index";
    }
    q.text += " WHERE a.run_id = ?1";
    // A unary + keeps a term from being used as an index constraint: only the first column after
    // run_id can narrow the walk without breaking its order.
    const bool byCorrect = index && sort.column == ItemColumn::Correct;
    const bool byP = index && sort.column == ItemColumn::PCorrect;
    if (f.correct != CorrectFilter::Any)
        q.text += std::string(byCorrect ? " AND a.correct = " : " AND +a.correct = ") +
                  (f.correct == CorrectFilter::Correct ? "1" : "0");
    if (withPRange && f.restrictsP()) {
        q.pRange = true;
        q.text += byP ? " AND a.p_correct >= ?4 AND a.p_correct <= ?5" : " AND +a.p_correct >= ?4 AND +a.p_correct <= ?5";
    }
    if (f.selectionId) {
        q.selection = true;
        q.text += " AND a.item_index IN (SELECT item_index FROM selection_items WHERE selection_id = ?3)";
    }
    if (q.search)
        q.text += " AND (instr(lower(a.item_id), ?6) > 0 OR instr(lower(prominence_question(a.prompt)), ?6) > 0)";
    if (f.flip != FlipFilter::Any) {
        q.compare = true;
        std::string cond;
        switch (f.flip) {
        case FlipFilter::RightToWrong: cond = "+a.correct = 1 AND f.correct = 0"; break;
        case FlipFilter::WrongToRight: cond = "+a.correct = 0 AND f.correct = 1"; break;
        default: cond = "f.correct <> +a.correct"; break;
        }
        q.text += " AND EXISTS (SELECT 1 FROM run_items AS f INDEXED BY run_items_by_index WHERE f.run_id = ?2 AND "
                  "f.item_index = a.item_index AND " +
                  cond + ")";
    }
    std::string order;
    for (const std::string& t : orderTerms(sort.column))
        order += (order.empty() ? "" : ", ") + t + (sort.ascending ? "" : " DESC");
    q.text += " ORDER BY " + order;
    return q;
}

namespace {

void bindQuery(Statement& st, bool compare, bool selection, bool pRange, bool search, Id run, const ItemFilter& f) {
    st.bind(1, run);
    if (compare) st.bind(2, *f.compareRun);
    if (selection) st.bind(3, *f.selectionId);
    if (pRange) {
        st.bind(4, f.pMin);
        st.bind(5, f.pMax);
    }
    if (search) st.bind(6, asciiLower(f.text));
}

}  // namespace

std::int64_t ItemQuery::total() {
    Statement st = ws_.database().prepare("SELECT count(*) FROM run_items INDEXED BY run_items_by_index WHERE run_id = ?",
                                          "counting items of run " + std::to_string(runId_));
    st.bind(1, runId_);
    st.step();
    return st.getInt(0);
}

std::int64_t ItemQuery::count(const ItemFilter& filter, Progress& progress) {
    ItemSort byP;
    byP.column = ItemColumn::PCorrect;
    const Sql q = build(filter, byP, true, "count(*)");
    progress.check();
    Statement st = ws_.database().prepare(q.text, "counting filtered items of run " + std::to_string(runId_));
    bindQuery(st, q.compare, q.selection, q.pRange, q.search, runId_, filter);
    st.step();
    return st.getInt(0);
}

std::vector<std::int64_t> ItemQuery::indices(const ItemFilter& filter, const ItemSort& sort, Progress& progress) {
    const Sql q = build(filter, sort, true, "a.item_index");
    Statement st = ws_.database().prepare(q.text, "querying items of run " + std::to_string(runId_));
    bindQuery(st, q.compare, q.selection, q.pRange, q.search, runId_, filter);
    std::vector<std::int64_t> out;
    while (st.step()) {
        out.push_back(st.getInt(0));
        if (out.size() % kCheckEvery == 0) progress.check();
    }
    return out;
}

std::string ItemQuery::plan(const ItemFilter& filter, const ItemSort& sort) {
    const Sql q = build(filter, sort, true, "a.item_index");
    Statement st = ws_.database().prepare("EXPLAIN QUERY PLAN " + q.text, "explaining an item query");
    bindQuery(st, q.compare, q.selection, q.pRange, q.search, runId_, filter);
    std::string out;
    while (st.step()) out += st.getText(3) + "\n";
    return out;
}

std::vector<ItemRow> ItemQuery::page(const ItemFilter& filter, const ItemSort& sort, std::int64_t offset,
                                     std::int64_t limit, Progress& progress) {
    if (offset < 0 || limit < 0)
        throw InvalidArgument("item page: offset " + std::to_string(offset) + " and limit " + std::to_string(limit) +
                              " must be non-negative");
    Sql q = build(filter, sort, true, "a.item_index");
    q.text += " LIMIT " + std::to_string(limit) + " OFFSET " + std::to_string(offset);
    Statement st = ws_.database().prepare(q.text, "reading a page of items of run " + std::to_string(runId_));
    bindQuery(st, q.compare, q.selection, q.pRange, q.search, runId_, filter);
    std::vector<std::int64_t> idx;
    while (st.step()) idx.push_back(st.getInt(0));
    progress.check();
    return rows(idx, filter.compareRun);
}

PCorrectHistogram ItemQuery::histogram(const ItemFilter& filter, int bins, Progress& progress) {
    ItemSort byP;
    byP.column = ItemColumn::PCorrect;
    return run(filter, byP, bins, progress).histogram;
}

ItemQueryResult ItemQuery::run(const ItemFilter& filter, const ItemSort& sort, int bins, Progress& progress) {
    if (bins <= 0) throw InvalidArgument("histogram: " + std::to_string(bins) + " bins, expected at least 1");
    const Sql q = build(filter, sort, false, "a.item_index, a.p_correct, a.correct");
    Statement st = ws_.database().prepare(q.text, "querying items of run " + std::to_string(runId_));
    bindQuery(st, q.compare, q.selection, false, q.search, runId_, filter);
    ItemQueryResult out;
    out.histogram.bins = bins;
    out.histogram.correct.assign(static_cast<std::size_t>(bins), 0);
    out.histogram.wrong.assign(static_cast<std::size_t>(bins), 0);
    std::int64_t seen = 0;
    while (st.step()) {
        const double p = st.getDouble(1);
        const auto bin = static_cast<std::size_t>(histogramBin(p, bins));
        ++(st.getInt(2) != 0 ? out.histogram.correct : out.histogram.wrong)[bin];
        if (p >= filter.pMin && p <= filter.pMax) out.indices.push_back(st.getInt(0));
        if (++seen % kCheckEvery == 0) progress.check();
    }
    return out;
}

std::vector<ItemRow> ItemQuery::rows(const std::vector<std::int64_t>& indices, std::optional<Id> compareRun) {
    const std::string purpose = "reading rows of run " + std::to_string(runId_);
    Database& db = ws_.database();
    Statement item = db.prepare(
        "SELECT item_id, prompt, continuations_json, pred, gold, correct, p_correct, margin FROM run_items "
        "WHERE run_id = ? AND item_index = ?",
        purpose);
    Statement sels = db.prepare(
        "SELECT s.id FROM selections AS s JOIN selection_items AS si ON si.selection_id = s.id "
        "WHERE s.run_id = ? AND si.item_index = ? ORDER BY s.id",
        purpose);
    Statement other = db.prepare("SELECT pred, correct, p_correct FROM run_items WHERE run_id = ? AND item_index = ?",
                                 purpose);
    std::vector<ItemRow> out;
    out.reserve(indices.size());
    for (std::int64_t i : indices) {
        item.bindAll(runId_, i);
        if (!item.step())
            throw InvalidArgument("run " + std::to_string(runId_) + " has no item " + std::to_string(i));
        ItemRow r;
        r.index = i;
        r.itemId = item.getText(0);
        r.question = questionOf(item.getText(1));
        r.options = stringsFromJson(item.getText(2), "run_items (run " + std::to_string(runId_) + ", item " +
                                                         std::to_string(i) + ") continuations_json");
        r.pred = item.getInt(3);
        r.gold = item.getInt(4);
        r.correct = item.getInt(5) != 0;
        r.pCorrect = item.getDouble(6);
        r.margin = item.getDouble(7);
        item.reset();
        sels.bindAll(runId_, i);
        while (sels.step()) r.selections.push_back(sels.getInt(0));
        sels.reset();
        if (compareRun) {
            other.bindAll(*compareRun, i);
            if (other.step()) r.compare = CompareCell{other.getInt(0), other.getInt(1) != 0, other.getDouble(2)};
            other.reset();
        }
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<ItemResult> ItemQuery::items(const std::vector<std::int64_t>& indices) {
    Statement st = ws_.database().prepare(
        "SELECT item_id, prompt, continuations_json, scores_json, probs_json, pred, gold, correct, p_correct, margin, "
        "extra_json FROM run_items WHERE run_id = ? AND item_index = ?",
        "reading items of run " + std::to_string(runId_));
    std::vector<ItemResult> out;
    for (std::int64_t i : indices) {
        st.bindAll(runId_, i);
        if (!st.step()) throw InvalidArgument("run " + std::to_string(runId_) + " has no item " + std::to_string(i));
        const std::string what = "run_items (run " + std::to_string(runId_) + ", item " + std::to_string(i) + ")";
        ItemResult it;
        it.index = i;
        it.itemId = st.getText(0);
        it.prompt = st.getText(1);
        it.continuations = stringsFromJson(st.getText(2), what + " continuations_json");
        it.scores = doublesFromJson(st.getText(3), what + " scores_json");
        it.probs = doublesFromJson(st.getText(4), what + " probs_json");
        it.pred = st.getInt(5);
        it.gold = st.getInt(6);
        it.correct = st.getInt(7) != 0;
        it.pCorrect = st.getDouble(8);
        it.margin = st.getDouble(9);
        it.extra = parseJsonColumn(st.getText(10), what + " extra_json");
        st.reset();
        out.push_back(std::move(it));
    }
    return out;
}

}  // namespace prominence::workspace
