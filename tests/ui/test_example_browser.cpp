// The example browser on real eval runs (stories260K on ARC-Easy with loglik scoring and two exemplars,
// the same run with neurons removed, and the Shortcut Lab miniature's letter run): its filters and sorts give the rows plain SQL gives
// over run_items, the table's cells show the stored values, the histogram counts what SQL counts, the
// flipped items are the ablate step's McNemar counts, the lab's planted facts are the benchmark file's,
// the detail pane shows the stored probabilities and the numbers behind acc and acc_norm, dragging the
// histogram's edge filters, and a selection made from a filter holds the filter's rows.
#include "core/lab/benchmark_generator.h"
#include "core/workspace/item_query.h"
#include "core/workspace/workspace.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QHeaderView>
#include <QMouseEvent>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QtTest>

#include <cmath>
#include <map>
#include <tuple>

#include "tests/common/test_support.h"
#include "ui/jobs/jobs_dock.h"
#include "ui/main_window.h"
#include "ui/views/example_browser.h"
#include "ui/views/range_histogram.h"
#include "ui/workspace/item_table_model.h"

using namespace prominence;
using namespace prominence::ui;
using workspace::CorrectFilter;
using workspace::FlipFilter;
using workspace::ItemColumn;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }
nlohmann::json parseOut(const test::CliResult& r) { return nlohmann::json::parse(r.out.toStdString()); }

std::vector<std::int64_t> sqlIndices(workspace::Workspace& ws, const std::string& where, const std::string& order) {
    workspace::Statement st = ws.database().prepare("SELECT item_index FROM run_items WHERE " + where + " ORDER BY " + order, "reference");
    std::vector<std::int64_t> out;
    while (st.step()) out.push_back(st.getInt(0));
    return out;
}

// Waits until the browser's query has run (a filter set through a setter starts it at once).
#define SETTLE(b) QTRY_VERIFY_WITH_TIMEOUT(!(b)->busy(), 30000)

void sendMouse(QWidget* w, QEvent::Type type, QPoint pos, Qt::MouseButton button, Qt::MouseButtons buttons) {
    QMouseEvent e(type, QPointF(pos), w->mapToGlobal(QPointF(pos)), button, buttons, Qt::NoModifier);
    QApplication::sendEvent(w, &e);
}

}  // namespace

class TestExampleBrowser : public QObject {
    Q_OBJECT
    QTemporaryDir settings_;
    QString dir_, ws_, lab_;
    qint64 runA_ = 0, runB_ = 0, runLab_ = 0, selA_ = 0;
    QString skip_;  // why the tests on stories260K skip
    nlohmann::json mcnemar_;
    std::unique_ptr<MainWindow> window_;

    ExampleBrowser* open(qint64 run) {
        auto* b = new ExampleBrowser(window_.get(), run);
        window_->tabs()->addTab(b, QStringLiteral("items of run %1").arg(run));
        window_->tabs()->setCurrentWidget(b);
        QSignalSpy ready(b, &ExampleBrowser::ready);
        if (!b->loaded()) ready.wait(30000);
        return b;
    }

private slots:
    void initTestCase() {
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settings_.path());
        dir_ = test::tempDir();
        ws_ = dir_ + QStringLiteral("/browse.prominence");
        // The Shortcut Lab's miniature (built here, nothing from ../shared): its benchmark files carry
        // the planted facts.
        const test::CliResult b = test::runCli({QStringLiteral("demo"), QStringLiteral("--tiny"), QStringLiteral("--build-only"),
                                                QStringLiteral("--cache"), dir_ + QStringLiteral("/lab")});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        lab_ = q(parseOut(b).at("lab_dir").get<std::string>());
        const test::CliResult e = test::runCli({QStringLiteral("eval"), QStringLiteral("--model"), lab_ + QStringLiteral("/model"),
                                                QStringLiteral("--benchmark"), lab_ + QStringLiteral("/benchmarks/source.jsonl"),
                                                QStringLiteral("--scoring"), QStringLiteral("letter"), QStringLiteral("--workspace"), ws_});
        QVERIFY2(e.code == 0, qPrintable(e.err));
        runLab_ = parseOut(e).at("run_id").get<qint64>();

        // A real model on a real benchmark: stories260K on 400 ARC-Easy items, loglik with two exemplars,
        // a selection, and the same run evaluated again with every third neuron of each layer removed.
        const QString model = test::sharedPath(QStringLiteral("fixtures/models/stories260K-hf"));
        const QString arc = test::sharedPath(QStringLiteral("data/benchmarks/arc_easy/arc_easy.llmfoundry.jsonl"));
        if (model.isEmpty() || arc.isEmpty()) {
            skip_ = QStringLiteral("fixtures stories260K-hf / arc_easy not found: set PROMINENCE_SHARED to the shared/ folder");
        } else {
            const test::CliResult l = test::runCli({QStringLiteral("eval"), QStringLiteral("--model"), model, QStringLiteral("--benchmark"), arc,
                                                    QStringLiteral("--scoring"), QStringLiteral("loglik"), QStringLiteral("--shots"), QStringLiteral("2"),
                                                    QStringLiteral("--limit"), QStringLiteral("400"), QStringLiteral("--workspace"), ws_,
                                                    QStringLiteral("--selection"), QStringLiteral("confident"), QStringLiteral("--select-threshold"),
                                                    QStringLiteral("0.3")});
            QVERIFY2(l.code == 0, qPrintable(l.err));
            runA_ = parseOut(l).at("run_id").get<qint64>();
            selA_ = parseOut(l).at("selection").at("id").get<qint64>();
            const test::CliResult info = test::runCli({QStringLiteral("info"), QStringLiteral("--model"), model});
            QVERIFY2(info.code == 0, qPrintable(info.err));
            const int layers = parseOut(info).at("num_layers").get<int>();
            const int width = parseOut(info).at("intermediate_size").get<int>();
            QString neurons;
            for (int layer = 0; layer < layers; ++layer)
                for (int n = 0; n < width; n += 3)
                    neurons += (neurons.isEmpty() ? QString() : QStringLiteral(",")) + QStringLiteral("%1:%2").arg(layer).arg(n);
            const test::CliResult a = test::runCli({QStringLiteral("ablate"), QStringLiteral("--workspace"), ws_, QStringLiteral("--neurons"),
                                                    neurons, QStringLiteral("--run"), QString::number(runA_)});
            QVERIFY2(a.code == 0, qPrintable(a.err));
            runB_ = parseOut(a).at("runs")[0].at("ablated_run").get<qint64>();
            mcnemar_ = parseOut(a).at("runs")[0].at("mcnemar");
        }

        window_ = std::make_unique<MainWindow>();
        window_->setConfirmClose(false);
        window_->setErrorDialogs(false);
        window_->resize(1400, 900);
        window_->show();
        QSignalSpy loaded(window_.get(), &MainWindow::workspaceLoaded);
        window_->openWorkspace(ws_);
        QVERIFY(loaded.wait(30000));
    }

    void filtersAndSortsAgreeWithSql() {
        if (!skip_.isEmpty()) QSKIP(qPrintable(skip_));
        ExampleBrowser* b = open(runA_);
        QVERIFY(b->loaded());
        auto ws = workspace::Workspace::open(ws_.toStdString());
        const std::string run = "run_id = " + std::to_string(runA_);
        QCOMPARE(b->filteredItems(), sqlIndices(ws, run, "item_index"));
        QCOMPARE(b->filteredCount(), 400);

        b->setCorrectFilter(CorrectFilter::Correct);
        SETTLE(b);
        QCOMPARE(b->filteredItems(), sqlIndices(ws, run + " AND correct = 1", "item_index"));
        b->setPRange(0.3, 0.9);
        SETTLE(b);
        b->setSort(ItemColumn::Margin, false);
        SETTLE(b);
        const std::vector<std::int64_t> want = sqlIndices(ws, run + " AND correct = 1 AND p_correct BETWEEN 0.3 AND 0.9",
                                                          "margin DESC, p_correct DESC, correct DESC, item_index DESC");
        QVERIFY(!want.empty());
        QCOMPARE(b->filteredItems(), want);
        QCOMPARE(b->filter().correct, CorrectFilter::Correct);

        // The cells show the stored values, once their page is read.
        ItemTableModel* m = b->model();
        m->fetchRows(0, 5);
        QTRY_VERIFY_WITH_TIMEOUT(m->pendingPages() == 0 && m->rowAt(0) != nullptr, 10000);
        workspace::ItemQuery query(ws, runA_);
        const std::vector<workspace::ItemResult> top = query.items({want[0], want[1]});
        for (int row = 0; row < 2; ++row) {
            const workspace::ItemResult& it = top[static_cast<std::size_t>(row)];
            QCOMPARE(m->data(m->index(row, ItemTableModel::ColId)).toString(), q(it.itemId));
            QCOMPARE(m->data(m->index(row, ItemTableModel::ColPCorrect)).toString(), QString::number(it.pCorrect, 'f', 3));
            QCOMPARE(m->data(m->index(row, ItemTableModel::ColMargin)).toString(), QString::number(it.margin, 'f', 3));
            QCOMPARE(m->data(m->index(row, ItemTableModel::ColCorrect)).toString(), QStringLiteral("✓"));
            QVERIFY(m->data(m->index(row, ItemTableModel::ColGold)).toString().startsWith(QChar(static_cast<char16_t>(u'A' + it.gold))));
        }

        // The histogram counts the filter's items without its p range.
        {
            workspace::Statement st = ws.database().prepare(
                "SELECT p_correct FROM run_items WHERE " + run + " AND correct = 1", "histogram reference");
            std::vector<std::int64_t> bins(ItemTableModel::kBins, 0);
            while (st.step()) ++bins[static_cast<std::size_t>(workspace::histogramBin(st.getDouble(0), ItemTableModel::kBins))];
            QCOMPARE(b->histogram()->correctCounts(), bins);
            QCOMPARE(b->histogram()->wrongCounts(), std::vector<std::int64_t>(ItemTableModel::kBins, 0));
        }

        // Selection membership, wrong answers, and a text search (the question, not the exemplars).
        b->setPRange(0.0, 1.0);
        b->setCorrectFilter(CorrectFilter::Any);
        b->setSelectionFilter(selA_);
        SETTLE(b);
        QCOMPARE(b->filteredItems(), sqlIndices(ws, run + " AND item_index IN (SELECT item_index FROM selection_items WHERE selection_id = " +
                                                       std::to_string(selA_) + ")", "margin DESC, p_correct DESC, correct DESC, item_index DESC"));
        b->setSelectionFilter(std::nullopt);
        b->setSort(ItemColumn::PCorrect, true);
        b->setCorrectFilter(CorrectFilter::Wrong);
        SETTLE(b);
        QCOMPARE(b->filteredItems(), sqlIndices(ws, run + " AND correct = 0", "p_correct, correct, item_index"));
        b->setCorrectFilter(CorrectFilter::Any);
        const std::vector<workspace::ItemResult> all = ws.items(runA_);
        QString word;
        {
            auto it = QRegularExpression(QStringLiteral("[A-Za-z]{4,}")).globalMatch(q(workspace::questionOf(all[3].prompt)));
            for (int k = 0; it.hasNext() && k < 2; ++k) word = it.next().captured(0);
        }
        QVERIFY(!word.isEmpty());
        b->setTextFilter(word.toUpper());
        SETTLE(b);
        std::vector<std::int64_t> found;
        for (const auto& it : all) {
            QString hay = q(workspace::questionOf(it.prompt)) + QLatin1Char('\n') + q(it.itemId);
            if (hay.contains(word, Qt::CaseInsensitive)) found.push_back(it.index);
        }
        std::sort(found.begin(), found.end(), [&](std::int64_t x, std::int64_t y) {
            const auto& a = all[static_cast<std::size_t>(x)];
            const auto& c = all[static_cast<std::size_t>(y)];
            return std::tie(a.pCorrect, a.correct, a.index) < std::tie(c.pCorrect, c.correct, c.index);
        });
        QVERIFY(!found.empty());
        QCOMPARE(b->filteredItems(), found);
        b->setTextFilter({});
        SETTLE(b);

        // Scrolling to the end reads the last page.
        b->table()->scrollToBottom();
        QTRY_VERIFY_WITH_TIMEOUT(m->rowAt(m->rowCount() - 1) != nullptr, 10000);
        QCOMPARE(m->rowAt(m->rowCount() - 1)->index, b->filteredItems().back());
    }

    // Right here and wrong after the ablation (and the reverse) are the ablate step's McNemar counts.
    void flippedItemsAreMcNemarsCounts() {
        if (!skip_.isEmpty()) QSKIP(qPrintable(skip_));
        ExampleBrowser* b = open(runA_);
        b->setCompareRun(runB_);
        SETTLE(b);
        QVERIFY(!b->table()->isColumnHidden(ItemTableModel::ColComparePCorrect));
        const std::int64_t onlyBefore = mcnemar_.at("only_before").get<std::int64_t>();
        const std::int64_t onlyAfter = mcnemar_.at("only_after").get<std::int64_t>();
        QVERIFY2(onlyBefore + onlyAfter > 0, "the ablation flipped no item");
        b->setFlipFilter(FlipFilter::RightToWrong);
        SETTLE(b);
        QCOMPARE(static_cast<std::int64_t>(b->filteredCount()), onlyBefore);
        auto ws = workspace::Workspace::open(ws_.toStdString());
        for (std::int64_t i : b->filteredItems()) {
            QVERIFY(workspace::ItemQuery(ws, runA_).items({i}).front().correct);
            QVERIFY(!workspace::ItemQuery(ws, runB_).items({i}).front().correct);
        }
        b->setFlipFilter(FlipFilter::WrongToRight);
        SETTLE(b);
        QCOMPARE(static_cast<std::int64_t>(b->filteredCount()), onlyAfter);
        b->setFlipFilter(FlipFilter::Either);
        SETTLE(b);
        QCOMPARE(static_cast<std::int64_t>(b->filteredCount()), onlyBefore + onlyAfter);
        QTRY_VERIFY_WITH_TIMEOUT(b->statusText().contains(QStringLiteral("McNemar")), 10000);
        QVERIFY(b->statusText().contains(QStringLiteral("%1 right here → wrong there").arg(onlyBefore)));
        // The biggest drops first: sorted by the change in p(correct).
        b->setSort(ItemColumn::DeltaPCorrect, true);
        SETTLE(b);
        b->model()->fetchRows(0, 3);
        QTRY_VERIFY_WITH_TIMEOUT(b->model()->rowAt(1) != nullptr, 10000);
        const auto* r0 = b->model()->rowAt(0);
        const auto* r1 = b->model()->rowAt(1);
        QVERIFY(r0->compare && r1->compare);
        QVERIFY(r0->compare->pCorrect - r0->pCorrect <= r1->compare->pCorrect - r1->pCorrect);

        // The detail pane shows both runs' probabilities of the selected item.
        QSignalSpy detail(b, &ExampleBrowser::detailReady);
        b->selectRow(0);
        QVERIFY(detail.wait(10000));
        const auto item = workspace::ItemQuery(ws, runA_).items({r0->index}).front();
        const auto after = workspace::ItemQuery(ws, runB_).items({r0->index}).front();
        for (std::size_t o = 0; o < item.probs.size(); ++o) {
            QVERIFY(b->detailHtml().contains(QString::number(item.probs[o], 'f', 3)));
            QVERIFY(b->detailHtml().contains(QString::number(after.probs[o], 'f', 3)));
        }
        QVERIFY(b->detailHtml().contains(QStringLiteral("flipped")));
    }

    // A selection made from the filtered rows holds exactly those rows, in their order.
    void selectionFromTheFilterIsTheFiltersRows() {
        if (!skip_.isEmpty()) QSKIP(qPrintable(skip_));
        ExampleBrowser* b = open(runA_);
        b->setCompareRun(runB_);
        b->setFlipFilter(FlipFilter::Either);
        b->setSort(ItemColumn::PCorrect, false);
        SETTLE(b);
        const std::vector<std::int64_t> rows = b->filteredItems();
        QVERIFY(!rows.empty());
        QSignalSpy made(b, &ExampleBrowser::selectionMade);
        const int job = b->makeSelection(QStringLiteral("flipped by the ablation"));
        QVERIFY2(job != 0, qPrintable(b->statusText()));
        QVERIFY(made.wait(20000));
        const qint64 id = made.at(0).at(0).toLongLong();
        auto ws = workspace::Workspace::open(ws_.toStdString());
        const workspace::Selection sel = ws.selection(id);
        QCOMPARE(sel.runId, runA_);
        QCOMPARE(sel.itemIndices, rows);
        QCOMPARE(sel.criteria.at("filter").at("flip").get<std::string>(), std::string("either"));
        // "Copy as command" of the job is the CLI's select --filter.
        const QStringList cmd = window_->jobs()->job(job)->spec.command;
        QVERIFY(cmd.contains(QStringLiteral("select")) && cmd.contains(QStringLiteral("--filter")));
        // The name is taken now; the selection is a filter of the browser.
        QCOMPARE(b->makeSelection(QStringLiteral("flipped by the ablation")), 0);
        QVERIFY(b->statusText().contains(QStringLiteral("already has")));
        b->setCompareRun(std::nullopt);
        b->setSelectionFilter(id);
        SETTLE(b);
        std::vector<std::int64_t> got = b->filteredItems(), sorted = rows;
        std::sort(got.begin(), got.end());
        std::sort(sorted.begin(), sorted.end());
        QCOMPARE(got, sorted);
    }

    // The lab's planted facts, as the benchmark file has them, and the cue column's agreement.
    void labFactsAreTheBenchmarkFiles() {
        ExampleBrowser* b = open(runLab_);
        ItemTableModel* m = b->model();
        QVERIFY(m->hasLab());
        QVERIFY(!b->table()->isColumnHidden(ItemTableModel::ColCue));
        std::map<std::string, lab::LabItem> file;
        for (const lab::LabItem& it : lab::readJsonl((lab_ + QStringLiteral("/benchmarks/source.jsonl")).toStdString())) file[it.id] = it;
        const int last = m->rowCount() - 1;
        QVERIFY(last > 10);
        m->fetchRows(0, last);
        QTRY_VERIFY_WITH_TIMEOUT(m->rowAt(last) != nullptr, 10000);
        int cued = 0, ambiguous = 0;
        for (int row = 0; row <= last; ++row) {
            const workspace::ItemRow* r = m->rowAt(row);
            const lab::LabItem& it = file.at(r->itemId);
            const QString cue = m->data(m->index(row, ItemTableModel::ColCue)).toString();
            QCOMPARE(cue.isEmpty(), it.cue < 0);
            if (it.cue >= 0) {
                ++cued;
                QVERIFY(cue.startsWith(QChar(static_cast<char16_t>(u'A' + it.cue))));
                QCOMPARE(m->data(m->index(row, ItemTableModel::ColFollowsCue)).toString(), r->pred == it.cue ? QStringLiteral("yes") : QStringLiteral("no"));
            }
            QCOMPARE(m->data(m->index(row, ItemTableModel::ColAmbiguous)).toString(), it.ambiguous ? QStringLiteral("yes") : QStringLiteral("no"));
            ambiguous += it.ambiguous ? 1 : 0;
        }
        QVERIFY(cued > 0 && ambiguous > 0);
        // Not sortable (not in the workspace): clicking the header keeps the order.
        const workspace::ItemSort before = b->sortOrder();
        b->table()->horizontalHeader()->sectionClicked(ItemTableModel::ColCue);
        QCOMPARE(b->sortOrder(), before);
    }

    // Loglik scoring: the detail pane's per-option log-likelihoods and lengths give the stored acc and
    // acc_norm predictions.
    void loglikDetailExplainsAccNorm() {
        if (!skip_.isEmpty()) QSKIP(qPrintable(skip_));
        ExampleBrowser* b = open(runA_);
        auto ws = workspace::Workspace::open(ws_.toStdString());
        const std::vector<workspace::ItemResult> items = ws.items(runA_);
        // An item where acc and acc_norm disagree, if any; else the first.
        std::size_t pick = 0;
        for (std::size_t i = 0; i < items.size(); ++i)
            if (items[i].extra.value("pred_norm", std::int64_t{-1}) != items[i].pred) {
                pick = i;
                break;
            }
        const workspace::ItemResult& it = items[pick];
        QSignalSpy detail(b, &ExampleBrowser::detailReady);
        const auto& rows = b->filteredItems();
        b->selectRow(static_cast<int>(std::find(rows.begin(), rows.end(), it.index) - rows.begin()));
        QVERIFY(detail.wait(10000));
        const QString html = b->detailHtml();
        QVERIFY(html.contains(QStringLiteral("acc_norm")));
        std::size_t best = 0;
        std::vector<double> perChar;
        for (std::size_t o = 0; o < it.scores.size(); ++o) {
            std::string choice = it.continuations[o];
            if (!choice.empty() && choice.front() == ' ') choice.erase(0, 1);
            perChar.push_back(it.scores[o] / static_cast<double>(std::max<std::size_t>(1, QString::fromStdString(choice).toUcs4().size())));
            QVERIFY2(html.contains(QString::number(perChar.back(), 'f', 4)), qPrintable(html));
            QVERIFY(html.contains(QString::number(it.scores[o], 'f', 3)));
            if (perChar[o] > perChar[best]) best = o;
        }
        QCOMPARE(static_cast<std::int64_t>(best), it.extra.at("pred_norm").get<std::int64_t>());
        // The exemplars and context fold and unfold.
        const workspace::PromptParts parts = workspace::splitPrompt(it.prompt);
        QVERIFY(!parts.context.empty());
        QVERIFY(!html.contains(q(parts.context.front()).toHtmlEscaped()));
        b->setExemplarsShown(true);
        QVERIFY(b->detailHtml().contains(q(parts.context.front()).toHtmlEscaped()));
        QVERIFY(b->detailHtml().contains(q(parts.question).toHtmlEscaped()));
    }

    // Dragging the histogram's low edge filters by p(correct).
    void draggingTheRangeFilters() {
        if (!skip_.isEmpty()) QSKIP(qPrintable(skip_));
        ExampleBrowser* b = open(runA_);
        SETTLE(b);
        RangeHistogram* h = b->histogram();
        QWidget* plot = h->findChild<QWidget*>(QStringLiteral("rangeHistogramPlot"));
        QVERIFY(plot);
        const int y = plot->height() / 2;
        const QPoint from = plot->mapFrom(h, QPoint(h->positionOf(0.0), 0));
        const QPoint to = plot->mapFrom(h, QPoint(h->positionOf(0.6), 0));
        sendMouse(plot, QEvent::MouseButtonPress, {from.x(), y}, Qt::LeftButton, Qt::LeftButton);
        sendMouse(plot, QEvent::MouseMove, {(from.x() + to.x()) / 2, y}, Qt::NoButton, Qt::LeftButton);
        sendMouse(plot, QEvent::MouseMove, {to.x(), y}, Qt::NoButton, Qt::LeftButton);
        sendMouse(plot, QEvent::MouseButtonRelease, {to.x(), y}, Qt::LeftButton, Qt::NoButton);
        QTRY_VERIFY_WITH_TIMEOUT(b->filter().pMin > 0.5 && !b->busy(), 10000);
        const double lo = b->filter().pMin;
        QVERIFY(std::fabs(lo - 0.6) <= 0.02);
        auto ws = workspace::Workspace::open(ws_.toStdString());
        QCOMPARE(b->filteredItems(), sqlIndices(ws, "run_id = " + std::to_string(runA_) + " AND p_correct >= " + std::to_string(lo),
                                                "item_index"));
    }

    // What a researcher sees: the browser with a compare run and an item open (docs/images).
    void screenshots() {
        if (!skip_.isEmpty()) QSKIP(qPrintable(skip_));
        while (window_->tabs()->count() > 1) delete window_->tabs()->widget(1);
        window_->jobsDock()->hide();
        ExampleBrowser* b = open(runA_);
        b->setCompareRun(runB_);
        b->setSort(ItemColumn::DeltaPCorrect, true);
        SETTLE(b);
        QSignalSpy detail(b, &ExampleBrowser::detailReady);
        b->selectRow(0);
        QVERIFY(detail.wait(10000));
        b->model()->fetchRows(0, 40);
        QTRY_VERIFY_WITH_TIMEOUT(b->model()->pendingPages() == 0, 10000);
        QTest::qWait(200);
        const QString out = qEnvironmentVariable("PROMINENCE_SCREENSHOT_DIR", test::tempDir());
        QDir().mkpath(out);
        QVERIFY(window_->grab().save(out + QStringLiteral("/gui-browser.png")));
        delete b;
        ExampleBrowser* l = open(runLab_);
        QSignalSpy d2(l, &ExampleBrowser::detailReady);
        l->selectRow(2);
        QVERIFY(d2.wait(10000));
        l->setExemplarsShown(true);
        QTest::qWait(200);
        QVERIFY(window_->grab().save(out + QStringLiteral("/gui-browser-lab.png")));
        qInfo("screenshots in %s", qPrintable(out));
    }

    void cleanupTestCase() {
        if (window_) window_->jobs()->waitForAll(30000);
        window_.reset();
    }
};

QTEST_MAIN(TestExampleBrowser)
#include "test_example_browser.moc"
