// The example browser's item query: every filter and sort agrees with a direct computation over the
// stored items and with plain SQL over the same rows; the flipped items are McNemar's discordant
// pairs; the sorted columns are walked through their index (no sort step in the plan); a selection
// made from a filter (study::runSelect, and `prominence-cli select --filter` as the step renders it)
// holds exactly the filter's rows; a version 2 workspace gains the indexes on open.
// Core (LibTorch) headers before Qt's: Qt's `slots` keyword would break LibTorch's headers.
#include "core/common/error.h"
#include "core/compare/statistics.h"
#include "core/study/command_line.h"
#include "core/study/eval_step.h"
#include "core/workspace/item_query.h"
#include "core/workspace/schema.h"
#include "core/workspace/workspace.h"

#include <nlohmann/json.hpp>

#include <QFile>
#include <QtTest>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::workspace;

namespace {

std::string freshPath(const char* name) {
    const QString p = test::tempDir() + QLatin1Char('/') + QString::fromUtf8(name);
    QFile::remove(p);
    QFile::remove(p + QStringLiteral("-wal"));
    QFile::remove(p + QStringLiteral("-shm"));
    return p.toStdString();
}

const char* kWords[] = {"apple", "Granite", "river", "violin", "copper", "tulip", "Falcon", "marble"};

// An eval run of `n` items whose probabilities come from `seed`; ties in p(correct), margin, gold and
// pred are frequent (probabilities on a coarse grid), so the tie order is exercised.
std::vector<ItemResult> makeItems(int n, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<ItemResult> items;
    for (int i = 0; i < n; ++i) {
        ItemResult it;
        it.index = i;
        const int options = 2 + static_cast<int>(rng() % 3);
        it.itemId = "q" + std::to_string((i * 37) % n);
        const std::string word = kWords[rng() % 8];
        it.prompt = "The following are questions.\n\nQuestion: Which is a fruit?\nA. apple\nB. rock\nAnswer: A\n\n"
                    "Question: Which word is like " +
                    word + " (" + std::to_string(i % 13) + ")?\nA. x\nB. y\nAnswer:";
        for (int o = 0; o < options; ++o) it.continuations.push_back(std::string(1, static_cast<char>('A' + o)));
        std::vector<double> w(static_cast<std::size_t>(options));
        double z = 0;
        for (double& x : w) z += (x = 1 + static_cast<double>(rng() % 4));
        for (double& x : w) x /= z;
        it.probs = w;
        for (double p : w) it.scores.push_back(std::log(p));
        it.gold = static_cast<std::int64_t>(rng() % static_cast<unsigned>(options));
        it.pred = static_cast<std::int64_t>(std::max_element(w.begin(), w.end()) - w.begin());
        it.correct = it.pred == it.gold;
        it.pCorrect = w[static_cast<std::size_t>(it.gold)];
        double second = 0;
        for (int o = 0; o < options; ++o)
            if (o != it.pred) second = std::max(second, w[static_cast<std::size_t>(o)]);
        it.margin = w[static_cast<std::size_t>(it.pred)] - second;
        items.push_back(std::move(it));
    }
    return items;
}

Id storeRun(Workspace& ws, Id bench, const std::vector<ItemResult>& items) {
    RunStart s;
    s.kind = "eval";
    s.name = "synthetic";
    s.benchmarkId = bench;
    const Id run = ws.beginRun(s);
    ws.addItems(run, items);
    ws.finishRun(run, {{"n", items.size()}});
    return run;
}

// The documented order, computed directly: the column, then the tie-breakers, ascending.
struct Reference {
    std::vector<ItemResult> a;
    std::map<std::int64_t, ItemResult> b;  // the compare run by index
    std::map<std::int64_t, std::vector<Id>> selections;

    static bool contains(const std::string& hay, const std::string& needle) {
        auto low = [](std::string s) {
            for (char& c : s)
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            return s;
        };
        return low(hay).find(low(needle)) != std::string::npos;
    }

    bool matches(const ItemResult& it, const ItemFilter& f, bool withP) const {
        if (f.correct == CorrectFilter::Correct && !it.correct) return false;
        if (f.correct == CorrectFilter::Wrong && it.correct) return false;
        if (withP && (it.pCorrect < f.pMin || it.pCorrect > f.pMax)) return false;
        if (f.selectionId) {
            const auto s = selections.find(it.index);
            if (s == selections.end() || std::count(s->second.begin(), s->second.end(), *f.selectionId) == 0) return false;
        }
        if (!f.text.empty() && !contains(it.itemId, f.text) && !contains(questionOf(it.prompt), f.text)) return false;
        if (f.flip != FlipFilter::Any) {
            const auto o = b.find(it.index);
            if (o == b.end()) return false;
            if (f.flip == FlipFilter::RightToWrong && !(it.correct && !o->second.correct)) return false;
            if (f.flip == FlipFilter::WrongToRight && !(!it.correct && o->second.correct)) return false;
            if (f.flip == FlipFilter::Either && it.correct == o->second.correct) return false;
        }
        return true;
    }

    // -1 / 0 / 1 for the sort's terms of two items.
    int compare(const ItemResult& x, const ItemResult& y, ItemColumn c) const {
        auto cmp = [](const auto& u, const auto& v) { return u < v ? -1 : (v < u ? 1 : 0); };
        auto chain = [&](std::initializer_list<int> terms) {
            for (int t : terms)
                if (t != 0) return t;
            return 0;
        };
        const int p = cmp(x.pCorrect, y.pCorrect), k = cmp(x.correct, y.correct), i = cmp(x.index, y.index);
        auto other = [&](const ItemResult& r) -> std::optional<double> {
            const auto o = b.find(r.index);
            if (o == b.end()) return std::nullopt;
            return o->second.pCorrect;
        };
        // SQL: NULL sorts first.
        auto cmpOpt = [&](std::optional<double> u, std::optional<double> v) {
            if (!u || !v) return cmp(u.has_value(), v.has_value());
            return cmp(*u, *v);
        };
        auto count = [&](const ItemResult& r) {
            const auto s = selections.find(r.index);
            return s == selections.end() ? std::size_t{0} : s->second.size();
        };
        switch (c) {
        case ItemColumn::Index: return i;
        case ItemColumn::Id: return chain({cmp(x.itemId, y.itemId), p, k, i});
        case ItemColumn::Gold: return chain({cmp(x.gold, y.gold), p, k, i});
        case ItemColumn::Pred: return chain({cmp(x.pred, y.pred), p, k, i});
        case ItemColumn::PCorrect: return chain({p, k, i});
        case ItemColumn::Margin: return chain({cmp(x.margin, y.margin), p, k, i});
        case ItemColumn::Correct: return chain({k, p, i});
        case ItemColumn::Question: return chain({cmp(questionOf(x.prompt), questionOf(y.prompt)), i});
        case ItemColumn::Selections: return chain({cmp(count(x), count(y)), i});
        case ItemColumn::ComparePCorrect: return chain({cmpOpt(other(x), other(y)), i});
        case ItemColumn::DeltaPCorrect: {
            auto d = [&](const ItemResult& r) -> std::optional<double> {
                const auto o = other(r);
                if (!o) return std::nullopt;
                return *o - r.pCorrect;
            };
            return chain({cmpOpt(d(x), d(y)), i});
        }
        }
        return i;
    }

    std::vector<std::int64_t> indices(const ItemFilter& f, const ItemSort& s) const {
        std::vector<const ItemResult*> rows;
        for (const ItemResult& it : a)
            if (matches(it, f, true)) rows.push_back(&it);
        std::sort(rows.begin(), rows.end(), [&](const ItemResult* x, const ItemResult* y) {
            const int c = compare(*x, *y, s.column);
            return s.ascending ? c < 0 : c > 0;
        });
        std::vector<std::int64_t> out;
        for (const ItemResult* r : rows) out.push_back(r->index);
        return out;
    }

    PCorrectHistogram histogram(const ItemFilter& f, int bins) const {
        PCorrectHistogram h;
        h.bins = bins;
        h.correct.assign(static_cast<std::size_t>(bins), 0);
        h.wrong.assign(static_cast<std::size_t>(bins), 0);
        for (const ItemResult& it : a)
            if (matches(it, f, false)) ++(it.correct ? h.correct : h.wrong)[static_cast<std::size_t>(histogramBin(it.pCorrect, bins))];
        return h;
    }
};

// The same filter as plain SQL with SQLite left to plan it (no forced index, no unary +).
std::vector<std::int64_t> plainSql(Workspace& ws, Id run, const ItemFilter& f, const std::string& order) {
    std::string sql = "SELECT item_index FROM run_items NOT INDEXED WHERE run_id = " + std::to_string(run);
    if (f.correct != CorrectFilter::Any) sql += f.correct == CorrectFilter::Correct ? " AND correct = 1" : " AND correct = 0";
    sql += " AND p_correct BETWEEN ?1 AND ?2";
    if (f.selectionId)
        sql += " AND item_index IN (SELECT item_index FROM selection_items WHERE selection_id = " + std::to_string(*f.selectionId) + ")";
    sql += " ORDER BY " + order;
    Statement st = ws.database().prepare(sql, "reference query");
    st.bind(1, f.pMin);
    st.bind(2, f.pMax);
    std::vector<std::int64_t> out;
    while (st.step()) out.push_back(st.getInt(0));
    return out;
}

std::vector<ItemFilter> someFilters(Id selection, Id compare) {
    std::vector<ItemFilter> out(1);
    ItemFilter f;
    f.correct = CorrectFilter::Correct;
    out.push_back(f);
    f.correct = CorrectFilter::Wrong;
    f.pMin = 0.2;
    f.pMax = 0.4;
    out.push_back(f);
    f = {};
    f.pMin = 0.25;
    f.pMax = 0.5;  // grid values sit on both ends: inclusive bounds matter
    out.push_back(f);
    f = {};
    f.selectionId = selection;
    f.correct = CorrectFilter::Correct;
    out.push_back(f);
    f = {};
    f.text = "granite";
    out.push_back(f);
    f.text = "Q1";
    f.pMax = 0.6;
    out.push_back(f);
    f = {};
    f.compareRun = compare;
    out.push_back(f);
    for (FlipFilter flip : {FlipFilter::RightToWrong, FlipFilter::WrongToRight, FlipFilter::Either}) {
        f.flip = flip;
        out.push_back(f);
    }
    f.flip = FlipFilter::Either;
    f.selectionId = selection;
    f.pMin = 0.1;
    out.push_back(f);
    return out;
}

}  // namespace

class TestItemQuery : public QObject {
    Q_OBJECT
    std::string path_;
    Id bench_ = 0, runA_ = 0, runB_ = 0, selection_ = 0, selection2_ = 0, otherRunSelection_ = 0;
    Reference ref_;

private slots:
    void initTestCase() {
        path_ = freshPath("items.prominence");
        Workspace ws = Workspace::create(path_);
        BenchmarkRecord b;
        b.path = "/data/synthetic.jsonl";
        b.hash = "h";
        b.format = "icl";
        b.itemCount = 600;
        bench_ = ws.addBenchmark(b);
        ref_.a = makeItems(600, 1);
        // The compare run lacks its last 40 items (a shorter --limit): they cannot flip.
        std::vector<ItemResult> after = makeItems(600, 2);
        after.resize(560);
        runA_ = storeRun(ws, bench_, ref_.a);
        runB_ = storeRun(ws, bench_, after);
        for (const ItemResult& it : after) ref_.b[it.index] = it;
        std::vector<std::int64_t> picked, picked2;
        for (std::int64_t i = 0; i < 600; i += 7) picked.push_back(i);
        for (std::int64_t i = 0; i < 600; i += 21) picked2.push_back(i);
        selection_ = ws.saveSelection({0, runA_, "every seventh", Json::object(), picked, ""});
        selection2_ = ws.saveSelection({0, runA_, "every 21st", Json::object(), picked2, ""});
        otherRunSelection_ = ws.saveSelection({0, runB_, "b", Json::object(), {1, 2}, ""});
        for (std::int64_t i : picked) ref_.selections[i].push_back(selection_);
        for (std::int64_t i : picked2) ref_.selections[i].push_back(selection2_);
    }

    void filtersAndSortsAgreeWithTheItems() {
        Workspace ws = Workspace::open(path_);
        ItemQuery q(ws, runA_);
        QCOMPARE(q.total(), std::int64_t{600});
        const std::vector<std::pair<ItemColumn, std::string>> sqlOrders = {
            {ItemColumn::Index, "item_index"},
            {ItemColumn::Id, "item_id, p_correct, correct, item_index"},
            {ItemColumn::Gold, "gold, p_correct, correct, item_index"},
            {ItemColumn::Pred, "pred, p_correct, correct, item_index"},
            {ItemColumn::PCorrect, "p_correct, correct, item_index"},
            {ItemColumn::Margin, "margin, p_correct, correct, item_index"},
            {ItemColumn::Correct, "correct, p_correct, item_index"},
        };
        int nonEmpty = 0;
        for (const ItemFilter& f : someFilters(selection_, runB_)) {
            const std::string label = f.toJson().dump();
            for (ItemColumn c : {ItemColumn::Index, ItemColumn::Id, ItemColumn::Question, ItemColumn::Gold,
                                 ItemColumn::Pred, ItemColumn::PCorrect, ItemColumn::Margin, ItemColumn::Correct,
                                 ItemColumn::Selections, ItemColumn::ComparePCorrect, ItemColumn::DeltaPCorrect}) {
                if ((c == ItemColumn::ComparePCorrect || c == ItemColumn::DeltaPCorrect) && !f.compareRun) continue;
                for (bool asc : {true, false}) {
                    const ItemSort s{c, asc};
                    const std::vector<std::int64_t> got = q.indices(f, s);
                    const std::vector<std::int64_t> want = ref_.indices(f, s);
                    QVERIFY2(got == want, (label + " sorted by " + s.toString()).c_str());
                    const ItemQueryResult r = q.run(f, s, 20);
                    QVERIFY2(r.indices == want, (label + " run() sorted by " + s.toString()).c_str());
                    // Plain SQL over the same rows, for the filters SQL states directly.
                    if (f.text.empty() && !f.compareRun) {
                        for (const auto& [col, order] : sqlOrders)
                            if (col == c) {
                                std::string o;
                                std::size_t start = 0;
                                for (;;) {
                                    const std::size_t comma = order.find(", ", start);
                                    o += (o.empty() ? "" : ", ") + order.substr(start, comma - start) + (asc ? "" : " DESC");
                                    if (comma == std::string::npos) break;
                                    start = comma + 2;
                                }
                                QVERIFY2(plainSql(ws, runA_, f, o) == got, (label + " SQL " + o).c_str());
                            }
                    }
                }
            }
            const std::vector<std::int64_t> all = ref_.indices(f, {});
            nonEmpty += all.empty() ? 0 : 1;
            QCOMPARE(q.count(f), static_cast<std::int64_t>(all.size()));
            const PCorrectHistogram h = q.histogram(f, 20);
            const PCorrectHistogram want = ref_.histogram(f, 20);
            QCOMPARE(h.correct, want.correct);
            QCOMPARE(h.wrong, want.wrong);
            // Pages are slices of the order, with the stored values and the compare run's cells.
            const ItemSort byMargin{ItemColumn::Margin, false};
            const std::vector<std::int64_t> order = ref_.indices(f, byMargin);
            for (std::int64_t offset : {std::int64_t{0}, std::int64_t{7}, static_cast<std::int64_t>(order.size()) - 3}) {
                if (offset < 0) continue;
                const std::vector<ItemRow> page = q.page(f, byMargin, offset, 10);
                QCOMPARE(static_cast<std::int64_t>(page.size()),
                         std::min<std::int64_t>(10, static_cast<std::int64_t>(order.size()) - offset));
                for (std::size_t k = 0; k < page.size(); ++k) {
                    const ItemRow& row = page[k];
                    QCOMPARE(row.index, order[static_cast<std::size_t>(offset) + k]);
                    const ItemResult& it = ref_.a[static_cast<std::size_t>(row.index)];
                    QCOMPARE(row.itemId, it.itemId);
                    QCOMPARE(row.question, questionOf(it.prompt));
                    QCOMPARE(row.options, it.continuations);
                    QCOMPARE(row.gold, it.gold);
                    QCOMPARE(row.pred, it.pred);
                    QCOMPARE(row.correct, it.correct);
                    QCOMPARE(row.pCorrect, it.pCorrect);
                    QCOMPARE(row.margin, it.margin);
                    const auto s = ref_.selections.find(row.index);
                    QCOMPARE(row.selections, s == ref_.selections.end() ? std::vector<Id>{} : s->second);
                    const auto o = ref_.b.find(row.index);
                    QCOMPARE(row.compare.has_value(), f.compareRun.has_value() && o != ref_.b.end());
                    if (row.compare) QCOMPARE(row.compare->pCorrect, o->second.pCorrect);
                }
            }
        }
        QVERIFY(nonEmpty >= 8);  // the filters above are not vacuous
    }

    // Right here and wrong there (and the reverse) are McNemar's discordant counts.
    void flippedItemsAreMcNemarsCounts() {
        Workspace ws = Workspace::open(path_);
        ItemQuery q(ws, runA_);
        std::vector<std::uint8_t> a, b;
        for (const ItemResult& it : ws.items(runA_)) {
            const auto o = ref_.b.find(it.index);
            if (o == ref_.b.end()) continue;
            a.push_back(it.correct ? 1 : 0);
            b.push_back(o->second.correct ? 1 : 0);
        }
        const McNemarResult m = mcnemar({a}, {b});
        QVERIFY(m.onlyA > 0 && m.onlyB > 0);
        ItemFilter f;
        f.compareRun = runB_;
        f.flip = FlipFilter::RightToWrong;
        QCOMPARE(q.count(f), m.onlyA);
        f.flip = FlipFilter::WrongToRight;
        QCOMPARE(q.count(f), m.onlyB);
        f.flip = FlipFilter::Either;
        QCOMPARE(q.count(f), m.onlyA + m.onlyB);
    }

    // Each indexed sort is one walk of its index: no sorting step, whatever the filter.
    void indexedSortsNeedNoSortStep() {
        Workspace ws = Workspace::open(path_);
        ItemQuery q(ws, runA_);
        for (const ItemFilter& f : someFilters(selection_, runB_)) {
            if (!f.text.empty()) continue;
            for (ItemColumn c : {ItemColumn::Index, ItemColumn::Id, ItemColumn::Gold, ItemColumn::Pred,
                                 ItemColumn::PCorrect, ItemColumn::Margin, ItemColumn::Correct}) {
                QVERIFY(sortedByIndex(c));
                for (bool asc : {true, false}) {
                    const std::string plan = q.plan(f, {c, asc});
                    const std::string what = f.toJson().dump() + " by " + columnName(c) + ":\n" + plan;
                    QVERIFY2(plan.find("TEMP B-TREE") == std::string::npos, what.c_str());
                    QVERIFY2(plan.find("COVERING INDEX run_items_by_") != std::string::npos, what.c_str());
                }
            }
        }
    }

    void badFiltersAreRefused() {
        Workspace ws = Workspace::open(path_);
        ItemQuery q(ws, runA_);
        ItemFilter f;
        f.pMin = 0.6;
        f.pMax = 0.5;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, q.count(f));
        f = {};
        f.pMax = 1.5;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, q.indices(f, {}));
        f = {};
        f.flip = FlipFilter::Either;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, q.count(f));
        f = {};
        f.selectionId = otherRunSelection_;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, q.count(f));
        f.selectionId = 9999;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, q.count(f));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, q.indices({}, {ItemColumn::DeltaPCorrect, true}));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, q.rows({600}));
        QVERIFY_THROWS_EXCEPTION(StorageError, ItemQuery(ws, 999));
        // JSON round trip and refusals.
        ItemFilter g;
        g.correct = CorrectFilter::Wrong;
        g.pMin = 0.1;
        g.pMax = 0.30000000000000004;
        g.selectionId = selection_;
        g.text = "Falcon";
        g.compareRun = runB_;
        g.flip = FlipFilter::WrongToRight;
        QVERIFY(ItemFilter::fromJson(nlohmann::json::parse(g.toJson().dump())) == g);
        QCOMPARE(ItemFilter{}.toJson().dump(), std::string("{}"));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ItemFilter::fromJson({{"colour", "red"}}));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ItemFilter::fromJson({{"correct", "maybe"}}));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ItemFilter::fromJson({{"p_min", "high"}}));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ItemFilter::fromJson(nlohmann::json::array()));
        QCOMPARE(ItemSort::parse("margin:desc").toString(), std::string("margin:desc"));
        QCOMPARE(ItemSort::parse("id").toString(), std::string("id:asc"));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ItemSort::parse("margin:up"));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, ItemSort::parse("colour"));
    }

    void promptParts() {
        QCOMPARE(questionOf("Q: a?\nA:"), std::string("Q: a?\nA:"));
        QCOMPARE(questionOf("desc\n\nex 1\n\nQ: b?\nA:"), std::string("Q: b?\nA:"));
        const PromptParts p = splitPrompt("desc\n\nex 1\n\nQ: b?\nA:");
        QCOMPARE(p.context, (std::vector<std::string>{"desc", "ex 1"}));
        QCOMPARE(p.question, std::string("Q: b?\nA:"));
        QCOMPARE(histogramBin(0.0, 10), 0);
        QCOMPARE(histogramBin(0.1, 10), 1);
        QCOMPARE(histogramBin(1.0, 10), 9);
        QCOMPARE(histogramBin(0.99, 10), 9);
    }

    // A selection made from a filter holds the filter's rows in its order, through the step and
    // through the command line the step renders.
    void selectionFromAFilterIsTheFiltersRows() {
        study::SelectParams p;
        p.workspacePath = path_;
        p.runId = runA_;
        p.name = "flipped, sure before";
        ItemFilter f;
        f.compareRun = runB_;
        f.flip = FlipFilter::RightToWrong;
        f.pMin = 0.3;
        p.filter = f;
        p.sort = {ItemColumn::PCorrect, false};
        const study::SelectResult r = study::runSelect(p);
        const std::vector<std::int64_t> want = ref_.indices(f, p.sort);
        QVERIFY(!want.empty());
        QCOMPARE(r.itemIndices, want);
        {
            Workspace ws = Workspace::open(path_);
            const Selection s = ws.selection(r.selectionId);
            QCOMPARE(s.itemIndices, want);
            QCOMPARE(s.criteria.at("filter"), f.toJson());
            QCOMPARE(s.criteria.at("sort").get<std::string>(), std::string("p_correct:desc"));
            // The new selection is a filter of its own.
            ItemFilter in;
            in.selectionId = r.selectionId;
            std::vector<std::int64_t> sorted = want;
            std::sort(sorted.begin(), sorted.end());
            QCOMPARE(ItemQuery(ws, runA_).indices(in, {}), sorted);
        }
        // The command line the GUI copies stores the same items.
        p.name = "again, from the command line";
        std::vector<std::string> argv = study::commandLine(p);
        QStringList args;
        for (std::size_t i = 1; i < argv.size(); ++i) args << QString::fromStdString(argv[i]);
        QVERIFY(args.contains(QStringLiteral("--filter")));
        const test::CliResult cli = test::runCli(args);
        QVERIFY2(cli.code == 0, qPrintable(cli.err));
        const nlohmann::json out = nlohmann::json::parse(cli.out.toStdString());
        QCOMPARE(out.at("items").get<std::size_t>(), want.size());
        Workspace ws = Workspace::open(path_);
        QCOMPARE(ws.selection(out.at("id").get<Id>()).itemIndices, want);

        // Refusals: a filter matching nothing, a filter with a threshold, a bad filter on the CLI.
        p.name = "nothing";
        ItemFilter none;
        none.text = "no item has this text";
        p.filter = none;
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runSelect(p));
        p.criteria.threshold = 0.5;
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, p.validate());
        const test::CliResult bad = test::runCli({QStringLiteral("select"), QStringLiteral("--workspace"), QString::fromStdString(path_),
                                                  QStringLiteral("--run"), QString::number(runA_), QStringLiteral("--name"),
                                                  QStringLiteral("x"), QStringLiteral("--filter"), QStringLiteral("{\"p_min\": 2}")});
        QCOMPARE(bad.code, 2);
        QVERIFY2(bad.err.contains(QStringLiteral("p(correct) range")), qPrintable(bad.err));
        const test::CliResult both = test::runCli({QStringLiteral("select"), QStringLiteral("--workspace"), QString::fromStdString(path_),
                                                   QStringLiteral("--run"), QString::number(runA_), QStringLiteral("--name"),
                                                   QStringLiteral("x"), QStringLiteral("--filter"), QStringLiteral("{}"),
                                                   QStringLiteral("--top-k"), QStringLiteral("3")});
        QCOMPARE(both.code, 2);
    }

    // A workspace of schema version 2 gains the item indexes when opened, and its items keep working.
    void version2GainsTheIndexes() {
        const std::string path = freshPath("v2.prominence");
        {
            Workspace ws = Workspace::create(path);
            const Id run = storeRun(ws, ws.addBenchmark({0, "/b", "", "h", "icl", Json::object(), 30, ""}), makeItems(30, 5));
            Q_UNUSED(run);
            Database& db = ws.database();
            Statement idx = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'run_items_by_%'", "list");
            std::vector<std::string> names;
            while (idx.step()) names.push_back(idx.getText(0));
            idx.reset();
            QCOMPARE(names.size(), std::size_t{7});
            for (const std::string& n : names) db.exec("DROP INDEX " + n, "back to version 2");
            db.exec("UPDATE meta SET value = '2' WHERE key = 'schema_version'", "back to version 2");
        }
        Workspace ws = Workspace::open(path);
        QCOMPARE(ws.schemaVersion(), kSchemaVersion);
        QCOMPARE(ws.database().queryInt("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name LIKE 'run_items_by_%'", "n"),
                 std::int64_t{7});
        ItemFilter f;
        f.correct = CorrectFilter::Correct;
        ItemQuery q(ws, ws.runs().front().id);
        std::int64_t correct = 0;
        for (const ItemResult& it : ws.items(ws.runs().front().id)) correct += it.correct ? 1 : 0;
        QCOMPARE(q.count(f), correct);
        QCOMPARE(ws.integrityCheck(), std::string("ok"));
    }
};

QTEST_MAIN(TestItemQuery)
#include "test_item_query.moc"
