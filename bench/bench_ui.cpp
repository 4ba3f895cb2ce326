// GUI responsiveness, offscreen (QT_QPA_PLATFORM=offscreen is set unless the caller chose a platform):
//
//   bench_ui stall [LAB_CACHE [STEPS]]  a 5 ms QTimer probe on the GUI thread while an attribution job and an
//                                eval job run through the window's job runner on the Shortcut Lab's model
//                                (the miniature is built in LAB_CACHE, default a temporary directory):
//                                max and p99 lateness of the probe, and how long the jobs took.
//   bench_ui open W [W...]       time from openWorkspace() to the navigator filled and painted, per file.
//   bench_ui synth OUT N         writes a workspace with one eval run of N items (for `open`).
//   bench_ui heatmap L N         an attribution run with one L × N float32 matrix (seeded, heavy-tailed) opened
//                                as the heatmap: time to first paint, repaint after a colour-scale change,
//                                hover readout, zoom step, live threshold preview, resident memory.
//
// Prints figures; asserts nothing (docs/performance.md records them).
#include "core/eval/selection.h"
#include "core/study/attribute_step.h"
#include "core/study/demo_step.h"
#include "core/study/eval_step.h"
#include "core/system/runtime.h"
#include "core/workspace/workspace.h"

#include <QApplication>
#include <QComboBox>
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
#include "ui/views/heatmap_page.h"
#include "ui/views/heatmap_plot.h"
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

long residentMiB() {
    long pages = 0, resident = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        std::fclose(f);
    }
    return resident * 4096 / (1024 * 1024);
}

double msSince(const QElapsedTimer& t) { return static_cast<double>(t.nsecsElapsed()) / 1e6; }

int heatmap(int layers, int neurons) {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("heatmap.prominence")).toStdString();
    {
        auto ws = workspace::Workspace::create(path);
        workspace::ModelRecord m;
        m.path = "/synthetic/model";
        m.architecture = "llama";
        m.configHash = "synthetic";
        m.weightsHash = "synthetic";
        m.info = {{"layers", layers}, {"intermediate_size", neurons}};
        const workspace::Id model = ws.addModel(m);
        workspace::RunStart s;
        s.kind = "attribution";
        s.name = "synthetic " + std::to_string(layers) + "x" + std::to_string(neurons);
        s.modelId = model;
        const workspace::Id run = ws.beginRun(s);
        workspace::NeuronScores ns;
        ns.runId = run;
        ns.dataset = "synthetic";
        ns.kind = "contrast_synthetic";
        ns.layers = layers;
        ns.neurons = neurons;
        ns.itemCount = 100;
        // Mostly small scores with rare large ones, signed, as a contrast matrix looks.
        std::uint64_t x = 0x9e3779b97f4a7c15ULL;
        ns.scores.resize(static_cast<std::size_t>(layers) * static_cast<std::size_t>(neurons));
        for (float& v : ns.scores) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            const double u = static_cast<double>(x >> 11) / 9007199254740992.0;
            const double t = std::tan((u - 0.5) * 3.1);  // Cauchy-like tails
            v = static_cast<float>(t * 1e-3);
        }
        ws.saveNeuronScores(ns);
        ws.finishRun(run, {});
    }
    const long rssBefore = residentMiB();
    ui::MainWindow w;
    w.setErrorDialogs(false);
    w.setConfirmClose(false);
    w.resize(1400, 900);
    w.show();
    QSignalSpy loaded(&w, &ui::MainWindow::workspaceLoaded);
    w.openWorkspace(QString::fromStdString(path));
    if (!loaded.wait(60000)) throw std::runtime_error("workspace did not load");
    QElapsedTimer t;
    t.start();
    QSignalSpy ready(&w, &ui::MainWindow::viewReady);
    const ui::ObjectRef ref{QStringLiteral("run"), 1};
    if (!w.openObject(ref)) throw std::runtime_error("openObject failed: " + w.lastError().toStdString());
    if (!ready.wait(120000)) throw std::runtime_error("heatmap did not open");
    auto* page = w.findChild<ui::HeatmapPage*>();
    page->plot()->repaint();
    const double firstPaint = msSince(t);
    const long rssOpen = residentMiB();

    // Colour-scale change: the image rebuilt for the visible columns and painted.
    auto* scale = page->findChild<QComboBox*>(QStringLiteral("scaleCombo"));
    std::vector<double> repaint;
    for (int i = 0; i < 6; ++i) {
        t.restart();
        scale->setCurrentIndex((scale->currentIndex() + 1) % scale->count());
        page->plot()->repaint();
        repaint.push_back(msSince(t));
    }
    // Hover: mouse moves over the map, each answered by the readout.
    QWidget* surface = nullptr;
    for (auto* c : page->plot()->findChildren<QWidget*>())
        if (c->inherits("QCustomPlot")) surface = c;
    std::vector<double> hover;
    for (int i = 0; i < 200; ++i) {
        const QPoint pos(surface->width() / 8 + (i * 37) % (surface->width() * 3 / 4), surface->height() / 6 + (i * 53) % (surface->height() * 2 / 3));
        t.restart();
        QTest::mouseMove(surface, pos);
        QApplication::processEvents();
        hover.push_back(msSince(t));
    }
    // Zoom steps: the visible range shrinks by a fifth, the image is rebuilt and painted.
    std::vector<double> zoom;
    for (int i = 0; i < 8; ++i) {
        const auto [first, last] = page->plot()->visibleColumns();
        t.restart();
        page->plot()->setVisibleColumns(first, first + (last - first) * 0.8);
        page->plot()->repaint();
        zoom.push_back(msSince(t));
    }
    page->plot()->resetView();
    // Live threshold preview: core/prune's selection off the GUI thread, drawn on the map (the panel
    // waits 60 ms after the last change before computing; that wait is subtracted).
    std::vector<double> preview;
    const double percents[] = {0.5, 1.0, 2.0, 0.1, 5.0};
    for (double pct : percents) {
        t.restart();
        page->setPolicy(QStringLiteral("per_layer_top_percent"), pct);
        while (page->previewBusy()) QApplication::processEvents(QEventLoop::WaitForMoreEvents, 5);
        page->plot()->repaint();
        preview.push_back(msSince(t) - 60.0);
    }
    const auto stats = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return std::make_pair(v[v.size() / 2], v.back());
    };
    const auto [rMed, rMax] = stats(repaint);
    const auto [hMed, hMax] = stats(hover);
    const auto [zMed, zMax] = stats(zoom);
    const auto [pMed, pMax] = stats(preview);
    std::printf("heatmap %d x %d (%.1f MiB of float32)\n", layers, neurons, static_cast<double>(layers) * neurons * 4 / 1048576.0);
    std::printf("  open to first paint        %8.1f ms\n", firstPaint);
    std::printf("  repaint after scale change %8.1f ms median, %8.1f ms max (6)\n", rMed, rMax);
    std::printf("  hover readout              %8.2f ms median, %8.2f ms max (200)\n", hMed, hMax);
    std::printf("  zoom step                  %8.1f ms median, %8.1f ms max (8)\n", zMed, zMax);
    std::printf("  threshold preview          %8.1f ms median, %8.1f ms max (5, debounce excluded)\n", pMed, pMax);
    std::printf("  resident memory            %8ld MiB before, %ld MiB with the heatmap open (+%ld)\n", rssBefore, rssOpen, rssOpen - rssBefore);
    w.jobs()->cancelAll();
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
        if (args.size() == 3 && args[0] == QLatin1String("heatmap")) return heatmap(args[1].toInt(), args[2].toInt());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_ui: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr, "usage: bench_ui stall [LAB_CACHE [IG_STEPS]] | open W [W...] | synth OUT N | heatmap LAYERS NEURONS\n");
    return 2;
}
