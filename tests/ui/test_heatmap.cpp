// The heatmap: the image never hides the hottest neuron of a pixel, a click on a neuron's pixel names
// that neuron at every zoom and order, the mask editor's undo walks back and forth exactly, and on a
// real attribution run (the lab miniature) clicks, rectangles and a policy merge give the expected
// masks, the threshold preview is core/prune's selection, and the saved mask lists the edits.
#include "core/prune/selection.h"
#include "core/study/mask_step.h"
#include "core/study/neuron_step.h"
#include "core/workspace/workspace.h"

#include <nlohmann/json.hpp>

#include <QFile>
#include <QMouseEvent>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTabWidget>
#include <QtTest>

#include <random>

#include "tests/common/test_support.h"
#include "ui/main_window.h"
#include "ui/plots/heatmap_image.h"
#include "ui/views/heatmap_page.h"
#include "ui/views/heatmap_plot.h"
#include "ui/views/mask_editor.h"

using namespace prominence;
using namespace prominence::ui;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }
nlohmann::json parseOut(const test::CliResult& r) { return nlohmann::json::parse(r.out.toStdString()); }

HeatmapData randomData(int layers, int neurons, unsigned seed) {
    HeatmapData d;
    d.layers = layers;
    d.neurons = neurons;
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 0.01f);
    d.scores.resize(static_cast<std::size_t>(layers) * static_cast<std::size_t>(neurons));
    for (float& v : d.scores) v = normal(rng);
    return d;
}

void sendMouse(QWidget* w, QEvent::Type type, QPoint pos, Qt::MouseButtons buttons, Qt::KeyboardModifiers mods) {
    QMouseEvent e(type, QPointF(pos), w->mapToGlobal(QPointF(pos)), type == QEvent::MouseMove ? Qt::NoButton : Qt::LeftButton,
                  buttons, mods);
    QApplication::sendEvent(w, &e);
}

void drag(HeatmapPlot* plot, QPoint from, QPoint to, Qt::KeyboardModifiers mods) {
    QWidget* inner = plot->findChild<QWidget*>(QStringLiteral("heatmapCustomPlot"));
    const QPoint a = inner->mapFrom(plot, from), b = inner->mapFrom(plot, to);
    sendMouse(inner, QEvent::MouseButtonPress, a, Qt::LeftButton, mods);
    sendMouse(inner, QEvent::MouseMove, (a + b) / 2, Qt::LeftButton, mods);
    sendMouse(inner, QEvent::MouseMove, b, Qt::LeftButton, mods);
    sendMouse(inner, QEvent::MouseButtonRelease, b, Qt::NoButton, mods);
}

void click(HeatmapPlot* plot, QPoint at) {
    QWidget* inner = plot->findChild<QWidget*>(QStringLiteral("heatmapCustomPlot"));
    const QPoint a = inner->mapFrom(plot, at);
    sendMouse(inner, QEvent::MouseButtonPress, a, Qt::LeftButton, Qt::NoModifier);
    sendMouse(inner, QEvent::MouseButtonRelease, a, Qt::NoButton, Qt::NoModifier);
}

// A 1400×900 window on the workspace with the attribution run's heatmap open and loaded (null if not).
HeatmapPage* openHeatmap(MainWindow& w, const QString& workspace, qint64 run) {
    w.setConfirmClose(false);
    w.setErrorDialogs(false);
    w.resize(1400, 900);
    w.show();
    QSignalSpy loaded(&w, &MainWindow::workspaceLoaded);
    w.openWorkspace(workspace);
    if (!loaded.wait(20000)) return nullptr;
    QSignalSpy ready(&w, &MainWindow::viewReady);
    if (!w.openObject({QStringLiteral("run"), run}) || !ready.wait(20000)) return nullptr;
    return qobject_cast<HeatmapPage*>(w.tabs()->currentWidget());
}

}  // namespace

class TestHeatmap : public QObject {
    Q_OBJECT
    QTemporaryDir settings_;
    QString dir_, ws_, modelDir_;
    qint64 attrRun_ = 0;
    qint64 sel_[2] = {0, 0};

private slots:
    void initTestCase() {
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settings_.path());
    }

    // However many neurons a pixel covers, it shows the one with the largest |score|: a single hot
    // neuron in a 14,336-wide layer is on screen at every width.
    void poolingNeverHidesTheHottestNeuron() {
        HeatmapData d = randomData(2, 14336, 7);
        HeatmapStyle style;
        style.lo = -1;
        style.hi = 1;
        for (int hot : {0, 1, 4097, 9000, 14335}) {
            HeatmapData h = d;
            h.scores[static_cast<std::size_t>(14336 + hot)] = -0.9f;  // layer 1, negative: |x| counts
            for (int width : {97, 640, 1500, 14336, 20000}) {
                const std::vector<int> cols = poolColumns(h, 1, 0, 14336, width);
                QVERIFY(std::find(cols.begin(), cols.end(), hot) != cols.end());
                const QImage img = renderHeatmap(h, 0, 14336, width, style);
                const int p = static_cast<int>(std::find(cols.begin(), cols.end(), hot) - cols.begin());
                QCOMPARE(img.pixel(p, 1), heatmapColor(-0.9, style).rgb());
            }
            // The bins partition the columns: every column falls in exactly one pixel.
            const int width = 1000;
            int covered = 0;
            for (int p = 0; p < width; ++p) {
                const int a = static_cast<int>(static_cast<long long>(p) * 14336 / width);
                const int b = static_cast<int>(static_cast<long long>(p + 1) * 14336 / width);
                covered += b - a;
            }
            QCOMPARE(covered, 14336);
        }
        // Sorted order: the display order is by score, and the pooled pixel still names a real neuron.
        HeatmapData s = d;
        s.order = sortedOrder(s);
        QCOMPARE(s.neuronAt(0, 0), static_cast<int>(std::max_element(s.scores.begin(), s.scores.begin() + 14336) - s.scores.begin()));
    }

    // A click on the pixel of neuron n names n, at every zoom and in both orders (zoomed out: the pixel's
    // hottest neuron, which is what it shows).
    void clickNamesTheNeuronOfItsPixel() {
        HeatmapPlot plot;
        plot.resize(1000, 400);
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        for (bool sorted : {false, true}) {
            HeatmapData d = randomData(4, 3000, 11);
            if (sorted) d.order = sortedOrder(d);
            plot.setData(d);
            for (const auto& [first, last] : std::vector<std::pair<double, double>>{{0, 300}, {1200, 1300}, {2950, 3000}}) {
                plot.setVisibleColumns(first, last);
                QCoreApplication::processEvents();
                for (int l = 0; l < 4; ++l)
                    for (int c = static_cast<int>(first); c < static_cast<int>(last); c += 7) {
                        const std::int64_t n = d.neuronAt(l, c);
                        const NeuronKey got = plot.neuronAt(plot.positionOf(l, n));
                        QCOMPARE(got.first, l);
                        QCOMPARE(got.second, n);
                    }
            }
            // Zoomed out (3000 columns in fewer pixels): the hottest neuron of a layer is found where it is drawn.
            plot.resetView();
            QCoreApplication::processEvents();
            for (int l = 0; l < 4; ++l) {
                std::int64_t hottest = 0;
                for (std::int64_t n = 0; n < 3000; ++n)
                    if (std::fabs(d.scores[static_cast<std::size_t>(l * 3000 + n)]) > std::fabs(d.scores[static_cast<std::size_t>(l * 3000 + hottest)])) hottest = n;
                // Within a pixel of where it is drawn (the map image is scaled onto the axis).
                const QPoint at = plot.positionOf(l, hottest);
                bool found = false;
                for (int dx = -1; dx <= 1; ++dx) found = found || plot.neuronAt(at + QPoint(dx, 0)) == NeuronKey{l, hottest};
                QVERIFY2(found, qPrintable(QStringLiteral("layer %1 neuron %2").arg(l).arg(hottest)));
            }
        }
    }

    // Every edit is one undo step; undo restores the exact previous mask, redo the next one.
    void undoRedoWalkThroughTheMasks() {
        MaskEditor e;
        std::vector<std::set<NeuronKey>> states{e.mask()};
        e.toggle(0, 5);
        states.push_back(e.mask());
        e.add({{0, 5}, {1, 2}, {1, 3}}, QStringLiteral("rectangle"));
        states.push_back(e.mask());
        e.toggle(1, 2);
        states.push_back(e.mask());
        e.remove({{0, 5}, {3, 3}}, QStringLiteral("rectangle"));
        states.push_back(e.mask());
        e.replace({{2, 1}, {1, 3}}, QStringLiteral("open mask"), {{"mask_id", 4}});
        states.push_back(e.mask());
        QCOMPARE(states[1], (std::set<NeuronKey>{{0, 5}}));
        QCOMPARE(states[2], (std::set<NeuronKey>{{0, 5}, {1, 2}, {1, 3}}));
        QCOMPARE(states[3], (std::set<NeuronKey>{{0, 5}, {1, 3}}));
        QCOMPARE(states[4], (std::set<NeuronKey>{{1, 3}}));
        QCOMPARE(states[5], (std::set<NeuronKey>{{1, 3}, {2, 1}}));
        QCOMPARE(e.undoStack()->count(), 5);
        QCOMPARE(e.edits().size(), std::size_t(5));
        for (int i = 4; i >= 0; --i) {
            e.undoStack()->undo();
            QCOMPARE(e.mask(), states[static_cast<std::size_t>(i)]);
            QCOMPARE(e.edits().size(), static_cast<std::size_t>(i));
        }
        for (int i = 1; i <= 5; ++i) {
            e.undoStack()->redo();
            QCOMPARE(e.mask(), states[static_cast<std::size_t>(i)]);
        }
        // An edit that changes nothing is no step.
        e.add({{1, 3}}, QStringLiteral("rectangle"));
        QCOMPARE(e.undoStack()->count(), 5);
        const nlohmann::json log = e.edits();
        QCOMPARE(log[0].at("op").get<std::string>(), std::string("click"));
        QCOMPARE(log[1].at("added").size(), std::size_t(2));  // (0,5) was in already
        QCOMPARE(log[4].at("mask_id").get<int>(), 4);
    }

    // On a stored attribution run: clicks, rectangles, the policy merge and undo through the page;
    // the threshold preview is core/prune's selection; the saved mask has the neurons and the edits.
    void pageEditsPreviewsAndSaves() {
        dir_ = test::tempDir();
        const test::CliResult b = test::runCli({QStringLiteral("demo"), QStringLiteral("--tiny"), QStringLiteral("--build-only"),
                                                QStringLiteral("--cache"), dir_ + QStringLiteral("/lab")});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        const QString lab = q(parseOut(b).at("lab_dir").get<std::string>());
        modelDir_ = lab + QStringLiteral("/model");
        ws_ = dir_ + QStringLiteral("/heat.prominence");
        qint64 sel[2] = {0, 0};
        qint64 evalRun[2] = {0, 0};
        int k = 0;
        for (const char* bench : {"source", "member"}) {
            const test::CliResult e = test::runCli({QStringLiteral("eval"), QStringLiteral("--model"), modelDir_, QStringLiteral("--benchmark"),
                lab + QStringLiteral("/benchmarks/") + QLatin1String(bench) + QStringLiteral(".jsonl"), QStringLiteral("--scoring"),
                QStringLiteral("letter"), QStringLiteral("--workspace"), ws_, QStringLiteral("--selection"), QStringLiteral("c"),
                QStringLiteral("--select-threshold"), QStringLiteral("0")});
            QVERIFY2(e.code == 0, qPrintable(e.err));
            evalRun[k] = parseOut(e).at("run_id").get<qint64>();
            sel[k++] = parseOut(e).at("selection").at("id").get<qint64>();
        }
        const test::CliResult a = test::runCli({QStringLiteral("attribute"), QStringLiteral("--workspace"), ws_, QStringLiteral("--selection"),
                                                QString::number(sel[0]), QStringLiteral("--reference-selection"), QString::number(sel[1]),
                                                QStringLiteral("--steps"), QStringLiteral("4")});
        QVERIFY2(a.code == 0, qPrintable(a.err));
        attrRun_ = parseOut(a).at("attribution").at("run").get<qint64>();
        sel_[0] = sel[0];
        sel_[1] = sel[1];

        MainWindow w;
        HeatmapPage* page = openHeatmap(w, ws_, attrRun_);
        QVERIFY(page && page->loaded());
        HeatmapPlot* plot = page->plot();
        const HeatmapData& d = plot->data();
        QVERIFY(d.layers > 0 && d.neurons > 0);
        QCoreApplication::processEvents();

        // Click: the neuron under the cursor joins the mask; the hover readout names it.
        const QPoint p1 = plot->positionOf(1, 7);
        const NeuronKey k1 = plot->neuronAt(p1);
        click(plot, p1);
        QCOMPARE(page->maskEditor()->mask(), (std::set<NeuronKey>{k1}));
        QVERIFY(page->readout(k1.first, k1.second).contains(QStringLiteral("in the mask")));
        // Shift-drag adds a rectangle, ctrl-drag removes one.
        const QPoint r0 = plot->positionOf(0, 2), r1 = plot->positionOf(1, 12);
        const std::set<NeuronKey> rect = plot->neuronsIn(QRect(r0, r1));
        QVERIFY(rect.size() >= 4);
        drag(plot, r0, r1, Qt::ShiftModifier);
        std::set<NeuronKey> expected = rect;
        expected.insert(k1);
        QCOMPARE(page->maskEditor()->mask(), expected);
        const QPoint s0 = plot->positionOf(0, 2), s1 = plot->positionOf(0, 6);
        const std::set<NeuronKey> removed = plot->neuronsIn(QRect(s0, s1));
        drag(plot, s0, s1, Qt::ControlModifier);
        for (const auto& n : removed) expected.erase(n);
        QCOMPARE(page->maskEditor()->mask(), expected);

        // The policy preview is core/prune's selection on the shown matrix.
        page->setPolicy(QStringLiteral("per_layer_top_percent"), 10.0);
        QTRY_VERIFY_WITH_TIMEOUT(!page->previewBusy(), 10000);
        auto ws = workspace::Workspace::open(ws_.toStdString());
        const workspace::NeuronScores shown = ws.neuronScores(page->currentScores());
        prune::PolicyParams pp;
        pp.kind = prune::PolicyKind::PerLayerTopPercent;
        pp.percent = 10.0;
        const at::Tensor t = at::from_blob(const_cast<float*>(shown.scores.data()), {shown.layers, shown.neurons}, at::kFloat).clone();
        const prune::PruneMask direct = prune::selectNeurons(prune::ScoreMatrix::allLayers(t), pp, static_cast<int>(shown.layers));
        std::set<NeuronKey> directKeys;
        for (const auto& n : direct.neurons()) directKeys.insert({n.layer, n.index});
        QCOMPARE(page->preview(), directKeys);
        page->addPolicySelection();
        std::set<NeuronKey> merged = expected;
        merged.insert(directKeys.begin(), directKeys.end());
        QCOMPARE(page->maskEditor()->mask(), merged);
        page->maskEditor()->undoStack()->undo();
        QCOMPARE(page->maskEditor()->mask(), expected);
        page->maskEditor()->undoStack()->redo();
        QCOMPARE(page->maskEditor()->mask(), merged);

        // Saved with its provenance: the scores it came from and the edits in order.
        const int job = page->saveMask(QStringLiteral("by-hand"));
        QVERIFY(job != 0);
        QVERIFY(w.jobs()->waitForAll(20000));
        QCOMPARE(w.jobs()->job(job)->state, JobState::Finished);
        workspace::MaskRecord stored;
        for (const auto& m : ws.masks())
            if (m.name == "by-hand") stored = m;
        QVERIFY(stored.id != 0);
        std::set<NeuronKey> storedKeys;
        for (const auto& n : stored.pruned) storedKeys.insert({static_cast<int>(n.layer), n.neuron});
        QCOMPARE(storedKeys, merged);
        QCOMPARE(stored.provenance.at("scores_id").get<qint64>(), page->currentScores());
        const auto& edits = stored.provenance.at("edits");
        QCOMPARE(edits.size(), std::size_t(4));
        QCOMPARE(edits[0].at("op").get<std::string>(), std::string("click"));
        QCOMPARE(edits[1].at("op").get<std::string>(), std::string("rectangle"));
        QCOMPARE(edits[3].at("op").get<std::string>(), std::string("policy"));
        QCOMPARE(edits[3].at("policy").at("policy").get<std::string>(), std::string("per_layer_top_percent"));

        // Opening a stored mask replaces the edited one, undoably.
        page->maskEditor()->toggle(0, 0);
        const int open = page->openMask(stored.id);
        QVERIFY(open != 0);
        QVERIFY(w.jobs()->waitForAll(20000));
        QCOMPARE(page->maskEditor()->mask(), merged);

        // The inspector shows the neuron's direct effect as core computes it.
        QSignalSpy inspected(page, &HeatmapPage::inspectorReady);
        page->inspect(1, 3);
        QVERIFY(inspected.wait(60000));
        study::DirectEffectParams de;
        de.modelDir = modelDir_.toStdString();
        de.layer = 1;
        de.neuron = 3;
        de.top = 10;
        const study::DirectEffectResult effect = study::runDirectEffect(de);
        QVERIFY(page->inspectorHtml().contains(q(effect.up.front().text).toHtmlEscaped()));
        QVERIFY(page->inspectorHtml().contains(QStringLiteral("Top items")));

        // Ablate and evaluate = the CLI's eval of the checkpoint pruned by the same neurons.
        QSignalSpy ablated(page, &HeatmapPage::ablationReady);
        QVERIFY(page->ablateAndEvaluate({evalRun[0]}) != 0);
        QVERIFY(ablated.wait(120000));
        const nlohmann::json& r = page->lastAblation();
        const workspace::Id after = r.at("runs")[0].at("ablated_run").get<workspace::Id>();
        QString neurons;
        for (const auto& [l, n] : page->maskEditor()->mask())
            neurons += (neurons.isEmpty() ? QString() : QStringLiteral(",")) + QStringLiteral("%1:%2").arg(l).arg(n);
        const QString pruned = dir_ + QStringLiteral("/pruned");
        const test::CliResult pr = test::runCli({QStringLiteral("prune"), QStringLiteral("--model"), modelDir_, QStringLiteral("--neurons"),
                                                 neurons, QStringLiteral("--output"), pruned});
        QVERIFY2(pr.code == 0, qPrintable(pr.err));
        const QString items = dir_ + QStringLiteral("/pruned-items.jsonl");
        const test::CliResult ev = test::runCli({QStringLiteral("eval"), QStringLiteral("--model"), pruned, QStringLiteral("--benchmark"),
                                                 q(ws.benchmark(*ws.run(evalRun[0]).benchmarkId).path), QStringLiteral("--scoring"),
                                                 QStringLiteral("letter"), QStringLiteral("--items"), items});
        QVERIFY2(ev.code == 0, qPrintable(ev.err));
        QFile f(items);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto storedItems = ws.items(after);
        std::size_t i = 0;
        while (!f.atEnd()) {
            const nlohmann::json line = nlohmann::json::parse(f.readLine().toStdString());
            QVERIFY(i < storedItems.size());
            QCOMPARE(storedItems[i].pred, line.at("pred").get<std::int64_t>());
            const auto probs = line.at("probs").get<std::vector<double>>();
            for (std::size_t o = 0; o < probs.size(); ++o) QVERIFY(std::fabs(storedItems[i].probs[o] - probs[o]) <= 1e-5 * std::max(1e-3, probs[o]));
            ++i;
        }
        QCOMPARE(i, storedItems.size());
        QCOMPARE(r.at("runs")[0].at("acc_after").get<double>(), parseOut(ev).at("acc").get<double>());
    }

    // The inspector's histograms (this selection and the reference's, from their stored rows), the
    // offer to compute rows for a run stored without them, the mask diff (= `mask --diff`), the
    // screenshot mode's state steps, and figures in the three formats.
    void inspectorDiffAndFigures() {
        if (ws_.isEmpty()) QSKIP("needs the workspace of pageEditsPreviewsAndSaves");
        const test::CliResult nv = test::runCli({QStringLiteral("attribute"), QStringLiteral("--workspace"), ws_, QStringLiteral("--selection"),
                                                 QString::number(sel_[0]), QStringLiteral("--steps"), QStringLiteral("3"),
                                                 QStringLiteral("--no-vectors"), QStringLiteral("--name"), QStringLiteral("without rows")});
        QVERIFY2(nv.code == 0, qPrintable(nv.err));
        const qint64 bareRun = parseOut(nv).at("attribution").at("run").get<qint64>();
        auto ws = workspace::Workspace::open(ws_.toStdString());
        const auto column = [&](qint64 run, int layer, std::int64_t neuron) {
            std::vector<double> v;
            for (const auto& ig : ws.igItems(run, layer, workspace::ReadScope::Any)) v.push_back(ig.attribution[static_cast<std::size_t>(neuron)]);
            return v;
        };

        MainWindow w;
        HeatmapPage* page = openHeatmap(w, ws_, attrRun_);
        QVERIFY(page && page->loaded());

        // The hover's ranks (from the sorted index built off the GUI thread) count the larger scores.
        {
            const workspace::NeuronScores shown = ws.neuronScores(page->currentScores());
            const float v = shown.scores[static_cast<std::size_t>(1 * shown.neurons + 3)];
            std::int64_t inLayer = 1, overall = 1;
            for (std::int64_t i = 0; i < shown.layers * shown.neurons; ++i)
                if (shown.scores[static_cast<std::size_t>(i)] > v) {
                    ++overall;
                    if (i / shown.neurons == 1) ++inLayer;
                }
            const QString expected = QStringLiteral("rank %1 of %2 in the layer, %3 of %4 overall").arg(inLayer).arg(shown.neurons).arg(overall).arg(shown.layers * shown.neurons);
            QTRY_VERIFY_WITH_TIMEOUT(page->readout(1, 3).contains(expected), 10000);
        }

        // Histograms: this selection's rows first, then the reference run's, each from its own rows.
        const auto refs = ws.run(attrRun_).summary.at("reference_runs").get<std::vector<qint64>>();
        QCOMPARE(refs.size(), std::size_t(1));
        QSignalSpy inspected(page, &HeatmapPage::inspectorReady);
        page->inspect(1, 3);
        QVERIFY(inspected.wait(60000));
        QCOMPARE(page->igSeries().size(), std::size_t(2));
        QCOMPARE(page->igSeries()[0].values, column(attrRun_, 1, 3));
        QCOMPARE(page->igSeries()[1].values, column(refs[0], 1, 3));
        QVERIFY(!page->igSeries()[1].values.empty());
        QVERIFY(page->findChild<QPushButton*>(QStringLiteral("computeRowsButton"))->isHidden());

        // The mask diff is `mask --diff`'s, with the edited mask as "a".
        workspace::Id byHand = 0;
        for (const auto& m : ws.masks())
            if (m.name == "by-hand") byHand = m.id;
        QVERIFY(byHand != 0);
        page->maskEditor()->toggle(0, 1);
        page->maskEditor()->toggle(1, 3);
        page->maskEditor()->toggle(1, 4);
        QSignalSpy diffed(page, &HeatmapPage::maskDiffReady);
        QVERIFY(page->diffWithMask(byHand) != 0);
        QVERIFY(diffed.wait(20000));
        QVERIFY(page->saveMask(QStringLiteral("diff-a")) != 0);
        QVERIFY(w.jobs()->waitForAll(20000));
        workspace::Id diffA = 0;
        for (const auto& m : ws.masks())
            if (m.name == "diff-a") diffA = m.id;
        QVERIFY(diffA != 0);
        study::DiffMasksParams dp;
        dp.workspacePath = ws_.toStdString();
        dp.a = diffA;
        dp.b = byHand;
        const nlohmann::ordered_json cli = study::runDiffMasks(dp).summary;
        const nlohmann::json& gui = page->lastDiff();
        for (const char* key : {"overlap", "only_a", "only_b", "overlap_neurons", "only_a_neurons", "only_b_neurons"})
            QCOMPARE(q(gui.at(key).dump()), q(nlohmann::json(cli.at(key)).dump()));
        QCOMPARE(gui.at("jaccard").get<double>(), cli.at("jaccard").get<double>());
        QCOMPARE(q(gui.at("per_layer").dump()), q(nlohmann::json(cli.at("per_layer")).dump()));
        QCOMPARE(gui.at("a").at("count").get<std::int64_t>(), static_cast<std::int64_t>(page->maskEditor()->mask().size()));

        // Figures: vector PDF and SVG, 300-dpi PNG; an unknown extension is refused with its name.
        QTemporaryDir figs;
        for (const char* ext : {"pdf", "svg", "png"}) {
            const QString path = figs.filePath(QStringLiteral("heatmap.") + QLatin1String(ext));
            QVERIFY2(page->plot()->saveFigure(path, 900, 350), qPrintable(path));
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray head = f.read(4096);
            if (QLatin1String(ext) == QLatin1String("pdf")) QVERIFY(head.startsWith("%PDF"));
            if (QLatin1String(ext) == QLatin1String("svg")) QVERIFY(head.contains("<svg"));
            if (QLatin1String(ext) == QLatin1String("png")) QCOMPARE(QImage(path).width(), 1800);
        }
        QString error;
        QVERIFY(!page->plot()->saveFigure(figs.filePath(QStringLiteral("heatmap.bmp")), 900, 350, &error));
        QVERIFY(error.contains(QStringLiteral("heatmap.bmp")));

        // The screenshot mode's state: a malformed step is refused before anything changes; a good
        // sequence opens the stored mask and inspects a neuron, then says it is ready.
        QVERIFY(page->applyState(QStringLiteral("tab=mask,zoom=3")).contains(QStringLiteral("zoom")));
        QVERIFY(page->applyState(QStringLiteral("inspect=1")).contains(QStringLiteral("inspect")));
        QSignalSpy stateReady(page, &HeatmapPage::stateReady);
        QVERIFY(page->applyState(QStringLiteral("mask=%1,inspect=0:2,tab=mask").arg(byHand)).isEmpty());
        QVERIFY(stateReady.wait(60000));
        std::set<NeuronKey> byHandKeys;
        for (const auto& n : ws.mask(byHand).pruned) byHandKeys.insert({static_cast<int>(n.layer), n.neuron});
        QCOMPARE(page->maskEditor()->mask(), byHandKeys);
        QVERIFY(page->inspectorHtml().contains(QStringLiteral("Neuron 0:2")));

        // A run stored without per-item rows: the inspector offers to compute them for the layer; the
        // job's run then supplies them.
        QVERIFY(w.openObject({QStringLiteral("run"), bareRun}));
        QTRY_VERIFY_WITH_TIMEOUT(qobject_cast<HeatmapPage*>(w.tabs()->currentWidget()) &&
                                     qobject_cast<HeatmapPage*>(w.tabs()->currentWidget())->loaded(), 20000);
        auto* bare = qobject_cast<HeatmapPage*>(w.tabs()->currentWidget());
        QCOMPARE(bare->runId(), bareRun);
        QSignalSpy bareInspected(bare, &HeatmapPage::inspectorReady);
        bare->inspect(1, 3);
        QVERIFY(bareInspected.wait(60000));
        QVERIFY(bare->igSeries().empty());
        QVERIFY(bare->inspectorHtml().contains(QStringLiteral("no per-item IG rows")));
        QVERIFY(!bare->findChild<QPushButton*>(QStringLiteral("computeRowsButton"))->isHidden());
        QVERIFY(bare->computeItemRows(1) != 0);
        QVERIFY(bareInspected.wait(120000));
        qint64 rowsRun = 0;
        for (const auto& r : ws.runs({"attribution", false}))
            if (r.id > bareRun) rowsRun = r.id;
        QVERIFY(rowsRun != 0);
        QCOMPARE(ws.run(rowsRun).params.at("attribution").at("layers").get<std::vector<int>>(), std::vector<int>{1});
        QCOMPARE(bare->igSeries().size(), std::size_t(1));
        QCOMPARE(bare->igSeries()[0].values, column(rowsRun, 1, 3));
        QVERIFY(bare->inspectorHtml().contains(QStringLiteral("Per-item IG from run #%1").arg(rowsRun)));
    }
};

QTEST_MAIN(TestHeatmap)
#include "test_heatmap.moc"
