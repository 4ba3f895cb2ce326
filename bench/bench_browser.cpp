// The example browser on a large eval run, offscreen (QT_QPA_PLATFORM=offscreen unless the caller chose
// a platform):
//
//   bench_browser [N [W]]   synthesises a workspace W (default: a temporary file; reused when it exists)
//                           with two eval runs of N items (default 1,000,000) of one benchmark and a
//                           selection, then prints
//                           - core: workspace::ItemQuery::run() per sort column and filter (the query the
//                             browser's job runs), and a page of rows;
//                           - GUI: ExampleBrowser from construction to its first rows on screen (open),
//                             from a header sort or a filter to the new rows shown, and scrolling: the
//                             GUI thread's longest stall (a 5 ms probe timer's lateness) while the table
//                             jumps to 200 random places and pages are read, and how long a page took.
//
// Prints figures; asserts nothing (docs/performance.md records them).
#include "core/workspace/item_query.h"
#include "core/workspace/workspace.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

#include "ui/main_window.h"
#include "ui/views/example_browser.h"
#include "ui/workspace/item_table_model.h"

using namespace prominence;
using workspace::ItemColumn;

namespace {

double msSince(const QElapsedTimer& t) { return static_cast<double>(t.nsecsElapsed()) / 1e6; }

// Runs the real event loop (sleeping when idle) until `done` or the timeout.
bool waitFor(const std::function<bool()>& done, int timeoutMs) {
    QEventLoop loop;
    QTimer check;
    QElapsedTimer t;
    t.start();
    bool ok = true;
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done()) loop.quit();
        else if (t.elapsed() > timeoutMs) ok = false, loop.quit();
    });
    check.start(1);
    loop.exec();
    return ok;
}

// Lateness of a 5 ms timer: how long the GUI thread was busy beyond the period.
class StallProbe {
public:
    explicit StallProbe(QObject* parent) : timer_(parent) {
        timer_.setTimerType(Qt::PreciseTimer);
        timer_.setInterval(5);
        QObject::connect(&timer_, &QTimer::timeout, parent, [this] {
            const qint64 now = clock_.nsecsElapsed();
            if (last_ > 0) late_.push_back(std::max(0.0, static_cast<double>(now - last_) / 1e6 - 5.0));
            last_ = now;
        });
    }
    void start() {
        clock_.start();
        last_ = 0;
        late_.clear();
        timer_.start();
    }
    void stop() { timer_.stop(); }
    double max() const { return late_.empty() ? 0.0 : *std::max_element(late_.begin(), late_.end()); }
    double p99() const {
        if (late_.empty()) return 0.0;
        std::vector<double> v = late_;
        std::sort(v.begin(), v.end());
        return v[static_cast<std::size_t>(0.99 * static_cast<double>(v.size() - 1))];
    }
    std::size_t ticks() const { return late_.size(); }

private:
    QTimer timer_;
    QElapsedTimer clock_;
    qint64 last_ = 0;
    std::vector<double> late_;
};

struct Runs {
    workspace::Id a = 0, b = 0, selection = 0;
};

Runs synthesise(const std::string& path, std::int64_t n) {
    Runs out;
    if (QFileInfo::exists(QString::fromStdString(path))) {
        auto ws = workspace::Workspace::open(path);
        const auto runs = ws.runs({"eval", false});
        if (runs.size() >= 2) {
            out.a = runs[0].id;
            out.b = runs[1].id;
            const auto sels = ws.selections(out.a);
            if (!sels.empty()) out.selection = sels.front().id;
            std::printf("reusing %s (runs %lld and %lld)\n", path.c_str(), static_cast<long long>(out.a), static_cast<long long>(out.b));
            return out;
        }
    }
    QElapsedTimer t;
    t.start();
    auto ws = workspace::Workspace::create(path);
    workspace::BenchmarkRecord br;
    br.path = "/synthetic/benchmark.jsonl";
    br.name = "synthetic";
    br.hash = "synthetic";
    br.format = "icl";
    br.itemCount = n;
    const workspace::Id bench = ws.addBenchmark(br);
    const char* words[] = {"granite", "violin", "harbour", "copper", "lantern", "meadow", "falcon", "quartz"};
    for (int r = 0; r < 2; ++r) {
        std::mt19937_64 rng(static_cast<std::uint64_t>(17 + r));
        std::uniform_real_distribution<double> u(0.0, 1.0);
        workspace::RunStart s;
        s.kind = "eval";
        s.name = r == 0 ? "synthetic" : "synthetic, after";
        s.benchmarkId = bench;
        s.params = {{"scoring", "letter"}, {"shots", 0}};
        const workspace::Id run = ws.beginRun(s);
        std::vector<workspace::ItemResult> batch;
        std::int64_t correct = 0;
        for (std::int64_t i = 0; i < n; ++i) {
            workspace::ItemResult it;
            it.index = i;
            it.itemId = "syn-" + std::to_string(i);
            it.prompt = "Question: Which of these words names a " + std::string(words[(i * 7) % 8]) + " (item " + std::to_string(i) +
                        ")?\nA. " + words[i % 8] + "\nB. " + words[(i + 3) % 8] + "\nC. " + words[(i + 5) % 8] + "\nD. " +
                        words[(i + 6) % 8] + "\nAnswer:";
            it.continuations = {"A", "B", "C", "D"};
            double z = 0;
            for (int o = 0; o < 4; ++o) z += (it.probs.emplace_back(std::pow(u(rng), 3.0) + 1e-6));
            for (double& p : it.probs) p /= z;
            for (double p : it.probs) it.scores.push_back(std::log(p));
            it.gold = static_cast<std::int64_t>(i % 4);
            it.pred = std::max_element(it.probs.begin(), it.probs.end()) - it.probs.begin();
            it.correct = it.pred == it.gold;
            it.pCorrect = it.probs[static_cast<std::size_t>(it.gold)];
            double second = 0;
            for (int o = 0; o < 4; ++o)
                if (o != it.pred) second = std::max(second, it.probs[static_cast<std::size_t>(o)]);
            it.margin = it.probs[static_cast<std::size_t>(it.pred)] - second;
            it.extra = {{"scoring", "letter"}};
            correct += it.correct ? 1 : 0;
            batch.push_back(std::move(it));
            if (batch.size() == 20000) {
                ws.addItems(run, batch);
                batch.clear();
            }
        }
        if (!batch.empty()) ws.addItems(run, batch);
        ws.finishRun(run, {{"n", n}, {"acc", static_cast<double>(correct) / static_cast<double>(n)}});
        (r == 0 ? out.a : out.b) = run;
    }
    std::vector<std::int64_t> picked;
    for (std::int64_t i = 0; i < n; i += 10) picked.push_back(i);
    out.selection = ws.saveSelection({0, out.a, "every tenth", workspace::Json::object(), picked, ""});
    std::printf("wrote %s: two eval runs of %lld items and a selection of %zu, %.1f s, %.0f MB\n", path.c_str(),
                static_cast<long long>(n), picked.size(), msSince(t) / 1000.0,
                static_cast<double>(QFileInfo(QString::fromStdString(path)).size()) / 1e6);
    return out;
}

void core(const std::string& path, const Runs& r) {
    auto ws = workspace::Workspace::open(path);
    workspace::ItemQuery q(ws, r.a);
    auto time = [&](const char* what, const workspace::ItemFilter& f, const workspace::ItemSort& s) {
        QElapsedTimer t;
        t.start();
        const workspace::ItemQueryResult res = q.run(f, s, ui::ItemTableModel::kBins);
        std::printf("  %-46s %8.1f ms  %8zu rows\n", what, msSince(t), res.indices.size());
    };
    std::printf("core: ItemQuery::run() (indices in order + histogram)\n");
    workspace::ItemFilter all;
    for (ItemColumn c : {ItemColumn::Index, ItemColumn::Id, ItemColumn::Gold, ItemColumn::Pred, ItemColumn::PCorrect,
                         ItemColumn::Margin, ItemColumn::Correct})
        for (bool asc : {true, false}) {
            const std::string what = "sort " + workspace::ItemSort{c, asc}.toString();
            time(what.c_str(), all, {c, asc});
        }
    workspace::ItemFilter f;
    f.correct = workspace::CorrectFilter::Wrong;
    time("wrong, by p(correct) desc", f, {ItemColumn::PCorrect, false});
    f = {};
    f.pMin = 0.8;
    time("p(correct) >= 0.8, by margin desc", f, {ItemColumn::Margin, false});
    f.correct = workspace::CorrectFilter::Correct;
    f.pMin = 0.3;
    f.pMax = 0.6;
    time("correct, p in [0.3, 0.6], by index", f, {});
    f = {};
    f.selectionId = r.selection;
    time("in a selection (10%), by p(correct) desc", f, {ItemColumn::PCorrect, false});
    f = {};
    f.compareRun = r.b;
    f.flip = workspace::FlipFilter::RightToWrong;
    time("flipped right -> wrong, by index", f, {});
    f.flip = workspace::FlipFilter::Any;
    time("sort by compare run's p(correct) (sorter)", f, {ItemColumn::ComparePCorrect, false});
    time("sort by question (sorter)", all, {ItemColumn::Question, true});
    time("sort by selections (sorter)", all, {ItemColumn::Selections, false});
    f = {};
    f.text = "granite (item 12";
    time("text search 'granite (item 12'", f, {});
    {
        QElapsedTimer t;
        t.start();
        std::vector<std::int64_t> idx;
        for (std::int64_t i = 500000; i < 500128; ++i) idx.push_back(i);
        const auto rows = q.rows(idx, r.b);
        std::printf("  %-46s %8.1f ms  %8zu rows\n", "a page of rows (with the compare run)", msSince(t), rows.size());
    }
}

int gui(const std::string& path, const Runs& r) {
    ui::MainWindow w;
    w.setConfirmClose(false);
    w.setErrorDialogs(false);
    w.resize(1400, 900);
    w.show();
    QSignalSpy loaded(&w, &ui::MainWindow::workspaceLoaded);
    w.openWorkspace(QString::fromStdString(path));
    if (!loaded.wait(120000)) return std::fprintf(stderr, "bench_browser: workspace did not open\n"), 1;
    std::printf("GUI (ExampleBrowser in the window, 1400x900):\n");
    StallProbe probe(&w);
    probe.start();
    QElapsedTimer t;
    t.start();
    auto* b = new ui::ExampleBrowser(&w, r.a);
    w.tabs()->addTab(b, QStringLiteral("items"));
    w.tabs()->setCurrentWidget(b);
    if (!waitFor([&] { return b->loaded(); }, 60000)) return std::fprintf(stderr, "bench_browser: no rows\n"), 1;
    const double open = msSince(t);
    probe.stop();
    std::printf("  %-46s %8.1f ms  (GUI stall max %.1f ms)\n", "open: construction -> first rows shown", open, probe.max());

    auto shown = [&](const std::function<void()>& change, const char* what) {
        probe.start();
        QElapsedTimer c;
        c.start();
        change();
        const bool ok = waitFor([&] { return !b->busy() && b->model()->rowAt(0) != nullptr; }, 60000);
        const double ms = msSince(c);
        probe.stop();
        std::printf("  %-46s %8.1f ms  %8d rows  (GUI stall max %.1f ms)%s\n", what, ms, b->filteredCount(), probe.max(),
                    ok ? "" : " TIMEOUT");
    };
    shown([&] { b->setSort(ItemColumn::PCorrect, false); }, "sort by p(correct) desc -> rows shown");
    shown([&] { b->setSort(ItemColumn::Margin, true); }, "sort by margin asc -> rows shown");
    shown([&] { b->setCorrectFilter(workspace::CorrectFilter::Wrong); }, "filter wrong -> rows shown");
    shown([&] { b->setPRange(0.2, 0.7); }, "filter p in [0.2, 0.7] -> rows shown");
    shown([&] { b->setSelectionFilter(r.selection); }, "filter selection -> rows shown");
    shown([&] {
        b->setSelectionFilter(std::nullopt);
        b->setPRange(0, 1);
        b->setCorrectFilter(workspace::CorrectFilter::Any);
        b->setSort(ItemColumn::Index, true);
    }, "back to all rows by index -> rows shown");
    shown([&] { b->setCompareRun(r.b); }, "compare run picked -> rows shown");
    shown([&] { b->setFlipFilter(workspace::FlipFilter::Either); }, "flipped either way -> rows shown");
    shown([&] { b->setFlipFilter(workspace::FlipFilter::Any); }, "all rows again -> rows shown");

    // Scrolling: jumps to random places (dragging the scroll bar's thumb), waiting for each page.
    QTableView* table = b->table();
    QScrollBar* bar = table->verticalScrollBar();
    std::mt19937 rng(5);
    std::vector<double> pageMs;
    probe.start();
    for (int k = 0; k < 200; ++k) {
        const int v = static_cast<int>(rng() % static_cast<unsigned>(std::max(1, bar->maximum())));
        QElapsedTimer c;
        c.start();
        bar->setValue(v);
        const int row = table->rowAt(0);
        waitFor([&] { return row < 0 || b->model()->rowAt(row) != nullptr; }, 10000);
        pageMs.push_back(msSince(c));
    }
    // And a continuous scroll through a few thousand rows, a wheel step at a time.
    for (int k = 0; k < 400; ++k) {
        bar->setValue(bar->value() + 3 * 10);
        QCoreApplication::processEvents();
    }
    waitFor([&] { return b->model()->pendingPages() == 0; }, 10000);
    probe.stop();
    std::sort(pageMs.begin(), pageMs.end());
    std::printf("  %-46s median %.1f ms, max %.1f ms; GUI stall max %.1f ms, p99 %.1f ms over %zu ticks\n",
                "scroll: jump -> page shown (200 jumps)", pageMs[pageMs.size() / 2], pageMs.back(), probe.max(), probe.p99(),
                probe.ticks());
    w.jobs()->waitForAll(60000);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (std::getenv("QT_QPA_PLATFORM") == nullptr) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Prominence-bench"));
    QTemporaryDir settings;
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settings.path());
    const QStringList args = QApplication::arguments().mid(1);
    const std::int64_t n = args.size() > 0 ? args[0].toLongLong() : 1000000;
    if (n <= 0) return std::fprintf(stderr, "usage: bench_browser [N [WORKSPACE]]\n"), 2;
    QTemporaryDir tmp;
    const std::string path = args.size() > 1 ? args[1].toStdString() : tmp.path().toStdString() + "/browser.prominence";
    try {
        const Runs r = synthesise(path, n);
        core(path, r);
        return gui(path, r);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_browser: %s\n", e.what());
        return 1;
    }
}
