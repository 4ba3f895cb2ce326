// The comparison view on a real stored comparison (the Shortcut Lab's miniature, run here by the CLI in
// seconds): every bar's height and error bar equal the stored table's mean and interval; the paired
// differences equal the difference of the stored means, their McNemar counts equal the stored rows;
// the matrix's cells open the eval runs of their benchmark; the lab's ground truth panel draws the
// stored probe; figures save as PNG, SVG and PDF. Then two real comparisons of stories260K (arc_easy and
// openbookqa, each the other's transfer, ../shared) where the conditions differ: the same equalities, and the
// in-domain x transfer matrix with both rows.
#include "core/workspace/workspace.h"

#include <nlohmann/json.hpp>

#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QtTest>

#include <cmath>
#include <map>

#include "tests/common/test_support.h"
#include "ui/main_window.h"
#include "ui/views/comparison_page.h"
#include "ui/views/example_browser.h"
#include "ui/views/comparison_plot.h"

using namespace prominence;
using namespace prominence::ui;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

bool openAndWait(MainWindow& w, const QString& path) {
    QSignalSpy loaded(&w, &MainWindow::workspaceLoaded);
    w.openWorkspace(path);
    return loaded.wait(20000);
}

bool close(double a, double b) { return std::abs(a - b) <= 1e-12; }

QByteArray head(const QString& path, int n) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.read(n) : QByteArray();
}

}  // namespace

class TestComparisonView : public QObject {
    Q_OBJECT

    QString dir_, ws_;
    qint64 compareRun_ = 0, comparisonId_ = 0;
    nlohmann::json table_;
    nlohmann::json labSummary_;
    QTemporaryDir settings_;

    std::unique_ptr<ComparisonPage> openPage(MainWindow& w) {
        auto page = std::make_unique<ComparisonPage>(&w, compareRun_);
        QSignalSpy ready(page.get(), &ComparisonPage::ready);
        if (!page->pairedLoaded()) ready.wait(60000);
        return page;
    }

private slots:
    void initTestCase() {
        QVERIFY2(!test::cliPath().isEmpty(), "PROMINENCE_CLI not set (run through ctest)");
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settings_.path());
        dir_ = test::tempDir();
        ws_ = dir_ + QStringLiteral("/lab.prominence");
        const test::CliResult d = test::runCli({QStringLiteral("demo"), QStringLiteral("--tiny"), QStringLiteral("--seeds"),
                                                QStringLiteral("2"), QStringLiteral("--cache"), dir_ + QStringLiteral("/lab"),
                                                QStringLiteral("--workspace"), ws_});
        QVERIFY2(d.code == 0, qPrintable(d.err));
        auto ws = workspace::Workspace::open(ws_.toStdString());
        const auto comparisons = ws.comparisons();
        QCOMPARE(comparisons.size(), std::size_t{1});
        compareRun_ = comparisons.front().runId;
        comparisonId_ = comparisons.front().id;
        table_ = comparisons.front().table;
        const auto run = ws.run(compareRun_);
        QVERIFY(run.parentRunId.has_value());
        labSummary_ = ws.run(*run.parentRunId).summary;
    }

    // Every condition's bar on every benchmark is the stored mean, its error bar the stored interval;
    // groups are in the stored order (in-domain first).
    void barsEqualTheStoredTable() {
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        QVERIFY(openAndWait(w, ws_));
        auto page = openPage(w);
        QVERIFY2(page->errorText().isEmpty(), qPrintable(page->errorText()));
        QVERIFY(page->loaded());
        QCOMPARE(page->mode(), ComparisonPage::Mode::Accuracy);
        QCOMPARE(page->data()->benchmarks.front(), table_.at("source").get<std::string>());
        QCOMPARE(page->barPlot()->groupCount(), static_cast<int>(table_.at("benchmarks").size()));
        QCOMPARE(page->barPlot()->seriesCount(), static_cast<int>(table_.at("conditions").size()));
        int checked = 0;
        for (const auto& c : table_.at("cells")) {
            const QString bench = q(c.at("benchmark").get<std::string>()), cond = q(c.at("condition").get<std::string>());
            QCOMPARE(page->barHeight(bench, cond), c.at("mean").get<double>());
            const auto [lo, hi] = page->barError(bench, cond);
            QVERIFY2(close(lo, c.at("ci_low").get<double>()), qPrintable(QStringLiteral("%1 %2 low %3").arg(bench, cond).arg(lo)));
            QVERIFY2(close(hi, c.at("ci_high").get<double>()), qPrintable(QStringLiteral("%1 %2 high %3").arg(bench, cond).arg(hi)));
            ++checked;
        }
        QVERIFY(checked >= 6 * 2);
        QVERIFY(std::isnan(page->barHeight(QStringLiteral("no such benchmark"), QStringLiteral("method"))));
    }

    // The toggle: method minus a control, paired by seed and item. Its mean is the difference of the two
    // stored means (both are means over seeds of means over the same items); its interval brackets it;
    // McNemar's counts for finetune_only equal the stored rows.
    void pairedDifferencesMatchTheTable() {
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        QVERIFY(openAndWait(w, ws_));
        auto page = openPage(w);
        QVERIFY(page->pairedLoaded());
        auto mean = [&](const std::string& cond, const std::string& bench) {
            for (const auto& c : table_.at("cells"))
                if (c.at("condition") == cond && c.at("benchmark") == bench) return c.at("mean").get<double>();
            return std::nan("");
        };
        for (const auto& [mode, control] : {std::pair{ComparisonPage::Mode::VsFinetuneOnly, std::string("finetune_only")},
                                            std::pair{ComparisonPage::Mode::VsRandom, std::string("random_finetune")}}) {
            page->setMode(mode);
            const QString series = QStringLiteral("method − ") + q(control);
            QCOMPARE(page->barPlot()->seriesCount(), 1);
            for (const auto& b : table_.at("benchmarks")) {
                const std::string bench = b.get<std::string>();
                const PairedDifference* d = page->data()->difference("method", control, bench);
                QVERIFY(d);
                QVERIFY2(std::abs(d->mean - (mean("method", bench) - mean(control, bench))) < 1e-12,
                         qPrintable(QStringLiteral("%1 %2: %3").arg(q(bench), q(control)).arg(d->mean)));
                QVERIFY(d->ciLow <= d->mean + 1e-12 && d->mean <= d->ciHigh + 1e-12);
                QCOMPARE(d->seeds.size(), table_.at("seeds").size());
                QCOMPARE(page->barHeight(q(bench), series), d->mean);
                const auto [lo, hi] = page->barError(q(bench), series);
                QVERIFY(close(lo, d->ciLow) && close(hi, d->ciHigh));
                if (control == "finetune_only")
                    for (const auto& m : table_.at("mcnemar"))
                        if (m.at("benchmark") == bench) {
                            QCOMPARE(d->onlyA, m.at("only_a").get<std::int64_t>());
                            QCOMPARE(d->onlyB, m.at("only_b").get<std::int64_t>());
                            QCOMPARE(d->exactP, m.at("exact_p").get<double>());
                        }
            }
        }
        page->setMode(ComparisonPage::Mode::Accuracy);
        QCOMPARE(page->barPlot()->seriesCount(), static_cast<int>(table_.at("conditions").size()));
    }

    // One row (the only comparison of this model), one column per benchmark; a cell opens the method's
    // and the control's eval runs of the first seed on that benchmark.
    void matrixCellsOpenTheirEvalRuns() {
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        QVERIFY(openAndWait(w, ws_));
        auto page = openPage(w);
        page->setMode(ComparisonPage::Mode::VsFinetuneOnly);
        QTableWidget* m = page->matrixTable();
        QCOMPARE(m->rowCount(), 1);
        QCOMPARE(m->columnCount(), static_cast<int>(table_.at("benchmarks").size()));
        const std::uint64_t firstSeed = table_.at("seeds").at(0).get<std::uint64_t>();
        for (int col = 0; col < m->columnCount(); ++col) {
            const std::string bench = table_.at("benchmarks").at(static_cast<std::size_t>(col)).get<std::string>();
            qint64 a = 0, b = 0;
            for (const auto& e : table_.at("eval_runs")) {
                if (e.at("benchmark") != bench || e.value("seed", std::uint64_t{0}) != firstSeed) continue;
                if (e.at("condition") == "method") a = e.at("run_id").get<qint64>();
                if (e.at("condition") == "finetune_only") b = e.at("run_id").get<qint64>();
            }
            QVERIFY(a > 0 && b > 0);
            QSignalSpy flipped(page.get(), &ComparisonPage::openFlipped);
            QVERIFY(page->activateMatrixCell(0, col));
            QCOMPARE(flipped.count(), 1);
            QCOMPARE(flipped.at(0).at(0).toLongLong(), a);
            QCOMPARE(flipped.at(0).at(1).toLongLong(), b);
            const PairedDifference* d = page->data()->difference("method", "finetune_only", bench);
            QVERIFY(m->item(0, col)->text().startsWith(d->mean >= 0 ? QStringLiteral("+") : QStringLiteral("−")));
        }
        QVERIFY(!page->activateMatrixCell(3, 0));
    }

    // The lab's ground truth, as stored by the demo run: cue-following per condition and the probe's
    // curves with the floor.
    void groundTruthPanelDrawsTheLabsNumbers() {
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        QVERIFY(openAndWait(w, ws_));
        auto page = openPage(w);
        QVERIFY(page->hasGroundTruth());
        const nlohmann::json& byCond = labSummary_.at("ground_truth").at("cue_following_by_condition");
        GroupedBarPlot* cue = page->cuePlot();
        QCOMPARE(cue->groupCount(), static_cast<int>(byCond.size()));
        QCOMPARE(page->cuePlot()->height(0, 0), byCond.at(page->data()->conditions.front()).at("cue_following").at("mean").get<double>());
        const nlohmann::json& probe = labSummary_.at("probe");
        const auto& series = page->probePlot()->series();
        QVERIFY(series.size() >= 3);
        const auto& sweep = probe.at("sweep");
        QCOMPARE(series[0].y.size(), sweep.size());
        for (std::size_t i = 0; i < sweep.size(); ++i) {
            QCOMPARE(series[0].x[i], sweep[i].at("percent").get<double>());
            QCOMPARE(series[0].y[i], sweep[i].at("method").at("cue_following").get<double>());
            QCOMPARE(series[1].y[i], sweep[i].at("random").at("cue_following").at("mean").get<double>());
        }
        bool floor = false;
        for (const auto& s : series)
            if (s.name.startsWith(QStringLiteral("floor")))
                floor = s.y.front() == probe.at("tags_removed").at("cue_following").get<double>();
        QVERIFY(floor);
        QVERIFY(page->ablationText().contains(QStringLiteral("random draws")));
    }

    void figuresSaveAsPngSvgPdf() {
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        QVERIFY(openAndWait(w, ws_));
        auto page = openPage(w);
        page->resize(1400, 900);
        page->show();
        QVERIFY(QTest::qWaitForWindowExposed(page.get()));
        const QString base = dir_ + QStringLiteral("/figure");
        QString error;
        QVERIFY2(page->saveFigure(base + QStringLiteral(".png"), &error), qPrintable(error));
        QCOMPARE(head(base + QStringLiteral(".png"), 4), QByteArray("\x89PNG", 4));
        QVERIFY2(page->saveFigure(base + QStringLiteral(".svg"), &error), qPrintable(error));
        QFile svg(base + QStringLiteral(".svg"));
        QVERIFY(svg.open(QIODevice::ReadOnly));
        const QByteArray svgText = svg.readAll();
        QVERIFY(svgText.contains("<svg"));
        QVERIFY(svgText.contains("finetune_only"));  // the legend's text stays text
        QVERIFY2(page->saveFigure(base + QStringLiteral(".pdf"), &error), qPrintable(error));
        QCOMPARE(head(base + QStringLiteral(".pdf"), 4), QByteArray("%PDF"));
        QVERIFY(!page->saveFigure(base + QStringLiteral(".bmpx"), &error));
        QVERIFY(!error.isEmpty());
        // Screenshots for the docs, when asked for.
        const QString shots = qEnvironmentVariable("PROMINENCE_SCREENSHOT_DIR");
        if (!shots.isEmpty()) {
            page->setMode(ComparisonPage::Mode::Accuracy);
            QTest::qWait(200);
            QVERIFY(page->grab().save(shots + QStringLiteral("/gui-compare.png")));
            page->setMode(ComparisonPage::Mode::VsFinetuneOnly);
            QTest::qWait(200);
            QVERIFY(page->grab().save(shots + QStringLiteral("/gui-compare-differences.png")));
            auto* tabs = page->findChild<QTabWidget*>();
            tabs->setCurrentIndex(1);
            QTest::qWait(200);
            QVERIFY(page->grab().save(shots + QStringLiteral("/gui-compare-lab.png")));
        }
    }

    // stories260K fine-tuned hard enough that the conditions differ: bars, paired differences and McNemar as
    // stored, and a 2 x 2 in-domain x transfer matrix whose off-diagonal cells are the other comparison's.
    void realComparisonsFillTheMatrix() {
        PROMINENCE_REQUIRE_SHARED(model, "fixtures/models/stories260K-hf");
        PROMINENCE_REQUIRE_SHARED(arc, "data/benchmarks/arc_easy/arc_easy.llmfoundry.jsonl");
        PROMINENCE_REQUIRE_SHARED(obqa, "data/benchmarks/openbookqa/openbook_qa.llmfoundry.jsonl");
        const QString ws = dir_ + QStringLiteral("/stories.prominence"), config = dir_ + QStringLiteral("/train.json");
        {
            QFile f(config);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(R"({"lr": 0.02, "max_steps": 4, "batch_size": 4})");
        }
        const test::CliResult m = test::runCli({QStringLiteral("workspace"), QStringLiteral("--workspace"), ws,
                                                QStringLiteral("--add-model"), model});
        QVERIFY2(m.code == 0, qPrintable(m.err));
        const test::CliResult k = test::runCli({QStringLiteral("mask"), QStringLiteral("--workspace"), ws, QStringLiteral("--save"),
                                                QStringLiteral("m"), QStringLiteral("--neurons"),
                                                QStringLiteral("0:3,1:5,2:7,3:11,4:13,4:40"), QStringLiteral("--model-id"),
                                                QString::number(nlohmann::json::parse(m.out.toStdString()).at("id").get<qint64>())});
        QVERIFY2(k.code == 0, qPrintable(k.err));
        for (const auto& [source, transfer] : {std::pair{arc, obqa}, std::pair{obqa, arc}}) {
            const test::CliResult c = test::runCli({QStringLiteral("compare"), QStringLiteral("--workspace"), ws, QStringLiteral("--model"),
                model, QStringLiteral("--source"), source, QStringLiteral("--transfer"), transfer, QStringLiteral("--mask"),
                QStringLiteral("m"), QStringLiteral("--limit"), QStringLiteral("60"), QStringLiteral("--pool"), QStringLiteral("16"),
                QStringLiteral("--shots"), QStringLiteral("8"), QStringLiteral("--seeds"), QStringLiteral("1,2"),
                QStringLiteral("--train-config"), config, QStringLiteral("--bootstrap"), QStringLiteral("500"),
                QStringLiteral("--scoring"), QStringLiteral("loglik"), QStringLiteral("--json")});
            QVERIFY2(c.code == 0, qPrintable(c.err));
        }
        auto w0 = workspace::Workspace::open(ws.toStdString());
        const auto stored = w0.comparisons();
        QCOMPARE(stored.size(), std::size_t{2});
        const nlohmann::json& table = stored.front().table;
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        QVERIFY(openAndWait(w, ws));
        ComparisonPage page(&w, stored.front().runId);
        QSignalSpy ready(&page, &ComparisonPage::ready);
        QVERIFY(ready.wait(60000));
        QVERIFY2(page.errorText().isEmpty(), qPrintable(page.errorText()));
        QVERIFY(!page.hasGroundTruth());
        std::map<std::pair<std::string, std::string>, double> means;
        for (const auto& c : table.at("cells")) {
            const QString bench = q(c.at("benchmark").get<std::string>()), cond = q(c.at("condition").get<std::string>());
            means[{c.at("condition").get<std::string>(), c.at("benchmark").get<std::string>()}] = c.at("mean").get<double>();
            QCOMPARE(page.barHeight(bench, cond), c.at("mean").get<double>());
            const auto [lo, hi] = page.barError(bench, cond);
            QVERIFY(close(lo, c.at("ci_low").get<double>()) && close(hi, c.at("ci_high").get<double>()));
        }
        int nonZero = 0;
        for (const auto& b : table.at("benchmarks")) {
            const std::string bench = b.get<std::string>();
            for (const std::string control : {"finetune_only", "random_finetune"}) {
                const PairedDifference* d = page.data()->difference("method", control, bench);
                QVERIFY(d);
                QVERIFY(std::abs(d->mean - (means.at({"method", bench}) - means.at({control, bench}))) < 1e-12);
                QVERIFY(d->ciLow <= d->mean + 1e-12 && d->mean <= d->ciHigh + 1e-12);
                nonZero += d->mean != 0.0;
            }
            for (const auto& mc : table.at("mcnemar"))
                if (mc.at("benchmark") == bench) {
                    const PairedDifference* d = page.data()->difference("method", "finetune_only", bench);
                    QCOMPARE(d->onlyA, mc.at("only_a").get<std::int64_t>());
                    QCOMPARE(d->onlyB, mc.at("only_b").get<std::int64_t>());
                    QCOMPARE(d->exactP, mc.at("exact_p").get<double>());
                    QCOMPARE(d->chi2P, mc.at("chi2_p").get<double>());
                }
        }
        QVERIFY2(nonZero > 0, "every paired difference is 0: the fixture no longer separates the conditions");

        // The window opens a comparison as this view, and a matrix cell's flipped items in the example
        // browser of the first run, compared with the second and filtered to the discordant pairs.
        QSignalSpy viewReady(&w, &MainWindow::viewReady);
        QVERIFY(w.openObject({QStringLiteral("comparison"), stored.front().id}));
        QVERIFY(viewReady.wait(60000));
        auto* shown = qobject_cast<ComparisonPage*>(w.tabs()->currentWidget());
        QVERIFY(shown);
        QCOMPARE(shown->runId(), stored.front().runId);
        std::vector<qint64> evals;
        for (const auto& r : w0.runs({"eval", false}))
            if (r.status == workspace::RunStatus::Completed && r.benchmarkId == w0.runs({"eval", false}).front().benchmarkId) evals.push_back(r.id);
        QVERIFY(evals.size() >= 2);
        Q_EMIT shown->openFlipped(evals[0], evals[1]);
        auto* browser = qobject_cast<ExampleBrowser*>(w.tabs()->currentWidget());
        QVERIFY(browser);
        QCOMPARE(browser->runId(), evals[0]);
        QCOMPARE(browser->filter().flip, workspace::FlipFilter::Either);
        // The matrix: this comparison's row first, then the other one's, columns this comparison's benchmarks.
        page.setMode(ComparisonPage::Mode::VsFinetuneOnly);
        QTableWidget* mt = page.matrixTable();
        QCOMPARE(mt->rowCount(), 2);
        QCOMPARE(mt->columnCount(), 2);
        QCOMPARE(page.data()->matrix[1].comparisonId, stored.back().id);
        for (int col = 0; col < 2; ++col) {
            const std::string bench = table.at("benchmarks").at(static_cast<std::size_t>(col)).get<std::string>();
            const PairedDifference* other = nullptr;
            for (const auto& d : page.data()->matrix[1].differences)
                if (d.a == "method" && d.b == "finetune_only" && d.benchmark == bench) other = &d;
            QVERIFY(other);
            QVERIFY(other->source == (col == 1));  // the other comparison's in-domain benchmark is this one's transfer
            QSignalSpy flipped(&page, &ComparisonPage::openFlipped);
            QVERIFY(page.activateMatrixCell(1, col));
            QCOMPARE(flipped.at(0).at(0).toLongLong(), other->runPairs.front().first);
            QCOMPARE(w0.run(other->runPairs.front().first).params.at("compare_run").get<qint64>(), stored.back().runId);
        }
        const QString shots = qEnvironmentVariable("PROMINENCE_SCREENSHOT_DIR");
        if (!shots.isEmpty()) {
            page.resize(1400, 900);
            page.show();
            QVERIFY(QTest::qWaitForWindowExposed(&page));
            QTest::qWait(200);
            QVERIFY(page.grab().save(shots + QStringLiteral("/gui-compare-stories.png")));
            page.setMode(ComparisonPage::Mode::Accuracy);
            QTest::qWait(200);
            QVERIFY(page.grab().save(shots + QStringLiteral("/gui-compare-stories-accuracy.png")));
        }
    }

    // A run that is not a comparison: the page shows the error and still says it is done.
    void aRunWithoutAComparisonShowsTheError() {
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        QVERIFY(openAndWait(w, ws_));
        auto ws = workspace::Workspace::open(ws_.toStdString());
        const qint64 evalRun = ws.runs({"eval", false}).front().id;
        ComparisonPage page(&w, evalRun);
        QSignalSpy ready(&page, &ComparisonPage::ready);
        QVERIFY(ready.wait(20000));
        QVERIFY(page.errorText().contains(QStringLiteral("not a comparison")));
        QVERIFY(!page.loaded());
    }
};

QTEST_MAIN(TestComparisonView)
#include "test_comparison_view.moc"
