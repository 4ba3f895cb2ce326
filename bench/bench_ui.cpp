// GUI responsiveness, offscreen (QT_QPA_PLATFORM=offscreen is set unless the caller chose a platform):
//
//   bench_ui stall [LAB_CACHE [STEPS]]  a 5 ms QTimer probe on the GUI thread while an attribution job and an
//                                eval job run through the window's job runner on the Shortcut Lab's model
//                                (the miniature is built in LAB_CACHE, default a temporary directory):
//                                max and p99 lateness of the probe, and how long the jobs took.
//   bench_ui open W [W...]       time from openWorkspace() to the navigator filled and painted, per file.
//   bench_ui synth OUT N         writes a workspace with one eval run of N items (for `open`).
//
// Prints figures; asserts nothing (docs/performance.md records them).
#include "core/eval/selection.h"
#include "core/study/attribute_step.h"
#include "core/study/demo_step.h"
#include "core/study/eval_step.h"
#include "core/system/runtime.h"
#include "core/workspace/workspace.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QSettings>
#include <QSignalSpy>
#include <QTest>
#include <QTemporaryDir>
#include <QTimer>
#include <QTreeView>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "ui/forms/step_form.h"
#include "ui/main_window.h"
#include "ui/workspace/navigator_model.h"

using namespace prominence;

namespace {

// Lateness of a 5 ms timer: how long the GUI thread was busy beyond the period.
class StallProbe {
public:
    explicit StallProbe(QObject* parent) : timer_(parent) {
        timer_.setTimerType(Qt::PreciseTimer);
        timer_.setInterval(5);
        QObject::connect(&timer_, &QTimer::timeout, parent, [this] {
            const qint64 now = clock_.nsecsElapsed();
            if (last_ > 0) lateMs_.push_back(std::max(0.0, static_cast<double>(now - last_) / 1e6 - 5.0));
            last_ = now;
        });
    }
    void start() {
        clock_.start();
        last_ = 0;
        lateMs_.clear();
        timer_.start();
    }
    void stop() { timer_.stop(); }
    void print(const char* what) {
        if (lateMs_.empty()) return;
        std::vector<double> v = lateMs_;
        std::sort(v.begin(), v.end());
        const double p99 = v[static_cast<std::size_t>(0.99 * static_cast<double>(v.size() - 1))];
        std::printf("%-44s ticks %6zu  max %7.2f ms  p99 %6.2f ms  median %5.2f ms\n", what, v.size(), v.back(), p99,
                    v[v.size() / 2]);
    }

private:
    QTimer timer_;
    QElapsedTimer clock_;
    qint64 last_ = 0;
    std::vector<double> lateMs_;
};

// Runs the real event loop (as exec() does, sleeping when idle) until `done` or the timeout. QTest::qWait
// would not do: it sleeps 10 ms between event batches, which is exactly the lateness being measured.
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
    check.start(20);
    loop.exec();
    return ok;
}

void idle(int ms) {
    QElapsedTimer t;
    t.start();
    waitFor([&] { return t.elapsed() >= ms; }, ms + 1000);
}

int stall(const std::string& cacheArg, int steps) {
    QTemporaryDir tmp;
    const std::string cache = cacheArg.empty() ? tmp.path().toStdString() + "/lab" : cacheArg;
    study::DemoParams dp;
    dp.options = lab::DemoOptions::tiny();
    dp.options.cacheRoot = cache;
    dp.buildOnly = true;
    const std::string labDir = study::runDemo(dp).summary.at("lab_dir").get<std::string>();
    const std::string ws = tmp.path().toStdString() + "/stall.prominence";
    study::EvalParams e;
    e.modelDir = labDir + "/model";
    e.benchmarkPath = labDir + "/benchmarks/source.jsonl";
    e.options.scoring = eval::Scoring::Letter;
    e.workspacePath = ws;
    e.select = eval::SelectionCriteria{0.0, std::nullopt};
    e.selectionName = "all-correct";
    const study::EvalResult source = study::runEval(e);

    ui::MainWindow w;
    w.setConfirmClose(false);
    w.setErrorDialogs(false);
    w.show();
    QSignalSpy loaded(&w, &ui::MainWindow::workspaceLoaded);
    w.openWorkspace(QString::fromStdString(ws));
    if (!loaded.wait(20000)) return std::fprintf(stderr, "bench_ui: workspace did not open\n"), 1;

    StallProbe probe(&w);
    idle(300);
    probe.start();
    idle(1000);
    probe.stop();
    probe.print("idle window");

    // Both jobs through the forms, as a user starts them.
    ui::StepForm* attr = w.openForm(QStringLiteral("attribute"));
    attr->setValue(QStringLiteral("selection"), static_cast<qlonglong>(*source.selectionId));
    attr->setValue(QStringLiteral("steps"), steps);
    attr->setValue(QStringLiteral("chunk"), 64);
    ui::StepForm* ev = w.openForm(QStringLiteral("eval"));
    ev->setValue(QStringLiteral("model"), QString::fromStdString(labDir + "/model"));
    ev->setValue(QStringLiteral("benchmark"), QString::fromStdString(labDir + "/benchmarks/member.jsonl"));
    ev->setValue(QStringLiteral("scoring"), QStringLiteral("letter"));
    ev->setValue(QStringLiteral("select"), QStringLiteral("none"));
    probe.start();
    QElapsedTimer t;
    t.start();
    const int a = attr->run();
    const int b = ev->run();
    if (a == 0 || b == 0) return std::fprintf(stderr, "bench_ui: %s %s\n", qPrintable(attr->statusText()), qPrintable(ev->statusText())), 1;
    const bool ok = waitFor([&] { return w.jobs()->job(a)->finished() && w.jobs()->job(b)->finished(); }, 600000);
    const double seconds = static_cast<double>(t.elapsed()) / 1000.0;
    idle(500);  // the refreshes the jobs' ends trigger
    probe.stop();
    if (!ok) return std::fprintf(stderr, "bench_ui: jobs did not finish\n"), 1;
    probe.print("attribution + eval jobs running");
    std::printf("jobs: attribution %s, eval %s, %.1f s wall; compute pool %d thread(s)\n",
                qPrintable(ui::jobStateName(w.jobs()->job(a)->state)), qPrintable(ui::jobStateName(w.jobs()->job(b)->state)),
                seconds, w.jobs()->computeThreads());
    return 0;
}

int open(const QStringList& files) {
    for (const QString& f : files) {
        ui::MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        w.show();
        QCoreApplication::processEvents();
        QElapsedTimer t;
        t.start();
        QSignalSpy loaded(&w, &ui::MainWindow::workspaceLoaded);
        w.openWorkspace(f);
        if (!loaded.wait(60000)) return std::fprintf(stderr, "bench_ui: %s did not open: %s\n", qPrintable(f), qPrintable(w.lastError())), 1;
        const double toLoaded = static_cast<double>(t.nsecsElapsed()) / 1e6;
        w.navigatorView()->viewport()->repaint();
        const double toPaint = static_cast<double>(t.nsecsElapsed()) / 1e6;
        std::printf("%-60s snapshot %7.1f ms  loaded %7.1f ms  painted %7.1f ms  objects %lld\n", qPrintable(f),
                    w.snapshot().loadMs, toLoaded, toPaint, static_cast<long long>(w.navigatorModel()->allRefs().size()));
    }
    return 0;
}

int synth(const std::string& out, std::int64_t n) {
    auto ws = workspace::Workspace::create(out);
    workspace::ModelRecord m;
    m.path = "/synthetic/model";
    m.architecture = "llama";
    m.configHash = "synthetic";
    m.weightsHash = "synthetic";
    const workspace::Id model = ws.addModel(m);
    workspace::BenchmarkRecord b;
    b.path = "/synthetic/benchmark.jsonl";
    b.hash = "synthetic";
    b.format = "icl";
    b.itemCount = n;
    const workspace::Id bench = ws.addBenchmark(b);
    workspace::RunStart s;
    s.kind = "eval";
    s.name = "synthetic";
    s.modelId = model;
    s.benchmarkId = bench;
    const workspace::Id run = ws.beginRun(s);
    std::vector<workspace::ItemResult> batch;
    std::int64_t correct = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        workspace::ItemResult r;
        r.index = i;
        r.itemId = "item-" + std::to_string(i);
        r.prompt = "Question " + std::to_string(i) + ": which of these is right?\nA. one\nB. two\nC. three\nD. four\nAnswer:";
        r.continuations = {"A", "B", "C", "D"};
        const double p = static_cast<double>((i * 2654435761LL) % 1000) / 1000.0;
        r.probs = {p, (1 - p) / 3, (1 - p) / 3, (1 - p) / 3};
        r.scores = {std::log(std::max(p, 1e-9)), std::log((1 - p) / 3), std::log((1 - p) / 3), std::log((1 - p) / 3)};
        r.gold = 0;
        r.pred = p > 0.25 ? 0 : 1;
        r.correct = r.pred == 0;
        r.pCorrect = p;
        r.margin = std::abs(p - (1 - p) / 3);
        correct += r.correct ? 1 : 0;
        batch.push_back(std::move(r));
        if (batch.size() == 10000) {
            ws.addItems(run, batch);
            batch.clear();
        }
    }
    if (!batch.empty()) ws.addItems(run, batch);
    ws.finishRun(run, {{"n", n}, {"acc", static_cast<double>(correct) / static_cast<double>(n)}});
    std::printf("wrote %s: one eval run of %lld items\n", out.c_str(), static_cast<long long>(n));
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
    applyThreadSettings({});
    const QStringList args = QApplication::arguments().mid(1);
    try {
        if (!args.isEmpty() && args[0] == QLatin1String("stall"))
            return stall(args.size() > 1 ? args[1].toStdString() : std::string(), args.size() > 2 ? args[2].toInt() : 4096);
        if (args.size() >= 2 && args[0] == QLatin1String("open")) return open(args.mid(1));
        if (args.size() == 3 && args[0] == QLatin1String("synth")) return synth(args[1].toStdString(), args[2].toLongLong());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_ui: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr, "usage: bench_ui stall [LAB_CACHE [IG_STEPS]] | open W [W...] | synth OUT N\n");
    return 2;
}
