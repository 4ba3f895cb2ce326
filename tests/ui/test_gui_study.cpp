// The desktop lab's frame on a real study: a workspace made by the CLI opens with every stored object
// in the navigator and its details; the forms run the steps as jobs and store what the CLI stores for
// the same inputs; "Copy as command" reproduces a job; an attribution cancelled from the GUI keeps its
// items and Resume completes it to the uninterrupted numbers; failures and bad files show the core's
// error and change nothing. Runs on the Shortcut Lab's miniature (built here in seconds): no ../shared.
#include "core/eval/selection.h"
#include "core/workspace/workspace.h"

#include <nlohmann/json.hpp>

#include <QCryptographicHash>
#include <QFile>
#include <QLabel>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QTabWidget>
#include <QToolButton>
#include <QTreeView>
#include <QtTest>

#include "tests/common/test_support.h"
#include "ui/forms/step_form.h"
#include "ui/jobs/command_text.h"
#include "ui/main_window.h"
#include "ui/views/details_page.h"
#include "ui/workspace/navigator_model.h"

using namespace prominence;
using namespace prominence::ui;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }
nlohmann::json parseOut(const test::CliResult& r) { return nlohmann::json::parse(r.out.toStdString()); }

QByteArray fileHash(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

// Opens `path` in `w` and waits for the snapshot.
bool openAndWait(MainWindow& w, const QString& path) {
    QSignalSpy loaded(&w, &MainWindow::workspaceLoaded);
    w.openWorkspace(path);
    return loaded.wait(20000);
}

// Runs the form's job and waits for it; returns the job's record.
const JobRecord* runAndWait(MainWindow& w, StepForm* form, int timeoutMs = 300000) {
    const int id = form->run();
    if (id == 0) return nullptr;
    QSignalSpy ended(form, &StepForm::jobEnded);
    const JobRecord* j = w.jobs()->job(id);
    if (!j->finished() && !ended.wait(timeoutMs)) return nullptr;
    return w.jobs()->job(id);
}

void compareItems(const std::vector<workspace::ItemResult>& a, const std::vector<workspace::ItemResult>& b) {
    QCOMPARE(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        QCOMPARE(a[i].index, b[i].index);
        QCOMPARE(a[i].prompt, b[i].prompt);
        QCOMPARE(a[i].pred, b[i].pred);
        QCOMPARE(a[i].gold, b[i].gold);
        QCOMPARE(a[i].scores, b[i].scores);
        QCOMPARE(a[i].probs, b[i].probs);
    }
}

}  // namespace

class TestGuiStudy : public QObject {
    Q_OBJECT

    QString dir_, labDir_, modelDir_, source_, member_, ws_;
    qint64 sourceRun_ = 0, sourceSel_ = 0, memberSel_ = 0, attrRun_ = 0;
    QTemporaryDir settings_;

private slots:
    void initTestCase() {
        QVERIFY2(!test::cliPath().isEmpty(), "PROMINENCE_CLI not set (run through ctest)");
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settings_.path());
        dir_ = test::tempDir();
        const test::CliResult b = test::runCli({QStringLiteral("demo"), QStringLiteral("--tiny"), QStringLiteral("--build-only"),
                                                QStringLiteral("--cache"), dir_ + QStringLiteral("/lab")});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        labDir_ = q(parseOut(b).at("lab_dir").get<std::string>());
        modelDir_ = labDir_ + QStringLiteral("/model");
        source_ = labDir_ + QStringLiteral("/benchmarks/source.jsonl");
        member_ = labDir_ + QStringLiteral("/benchmarks/member.jsonl");
        ws_ = dir_ + QStringLiteral("/study.prominence");
        for (const QString& bench : {source_, member_}) {
            const test::CliResult e = test::runCli({QStringLiteral("eval"), QStringLiteral("--model"), modelDir_,
                QStringLiteral("--benchmark"), bench, QStringLiteral("--scoring"), QStringLiteral("letter"),
                QStringLiteral("--workspace"), ws_, QStringLiteral("--selection"), QStringLiteral("correct"),
                QStringLiteral("--select-threshold"), QStringLiteral("0")});
            QVERIFY2(e.code == 0, qPrintable(e.err));
            const nlohmann::json j = parseOut(e);
            if (bench == source_) {
                sourceRun_ = j.at("run_id").get<qint64>();
                sourceSel_ = j.at("selection").at("id").get<qint64>();
            } else {
                memberSel_ = j.at("selection").at("id").get<qint64>();
            }
        }
        const test::CliResult a = test::runCli({QStringLiteral("attribute"), QStringLiteral("--workspace"), ws_,
            QStringLiteral("--selection"), QString::number(sourceSel_), QStringLiteral("--reference-selection"),
            QString::number(memberSel_), QStringLiteral("--steps"), QStringLiteral("4")});
        QVERIFY2(a.code == 0, qPrintable(a.err));
        attrRun_ = parseOut(a).at("attribution").at("run").get<qint64>();
        const test::CliResult p = test::runCli({QStringLiteral("prune"), QStringLiteral("--workspace"), ws_,
            QStringLiteral("--scores"), QString::number(attrRun_), QStringLiteral("--policy"), QStringLiteral("per_layer_top_percent"),
            QStringLiteral("--percent"), QStringLiteral("5"), QStringLiteral("--output-mask"), QStringLiteral("m5")});
        QVERIFY2(p.code == 0, qPrintable(p.err));
    }

    // Every stored object of a CLI-made workspace has its row, with status and key number.
    void navigatorListsEveryStoredObject() {
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        w.show();
        QVERIFY(openAndWait(w, ws_));
        QCOMPARE(w.workspacePath(), ws_);
        QVERIFY(w.windowTitle().contains(QStringLiteral("study.prominence")));
        const QList<ObjectRef> refs = w.navigatorModel()->allRefs();
        auto has = [&](const QString& kind, qint64 id) { return refs.contains(ObjectRef{kind, id}); };
        auto ws = workspace::Workspace::open(ws_.toStdString());
        int expected = 0;
        for (const auto& m : ws.models()) { QVERIFY(has(QStringLiteral("model"), m.id)); ++expected; }
        for (const auto& b : ws.benchmarks()) { QVERIFY(has(QStringLiteral("benchmark"), b.id)); ++expected; }
        for (const auto& r : ws.runs({"", true})) {
            QVERIFY2(has(QStringLiteral("run"), r.id), qPrintable(QStringLiteral("run %1").arg(r.id)));
            ++expected;
            for (const auto& s : ws.neuronScoresOf(r.id, workspace::ReadScope::Any)) { QVERIFY(has(QStringLiteral("scores"), s.id)); ++expected; }
        }
        for (const auto& s : ws.selections()) { QVERIFY(has(QStringLiteral("selection"), s.id)); ++expected; }
        for (const auto& m : ws.masks()) { QVERIFY(has(QStringLiteral("mask"), m.id)); ++expected; }
        QCOMPARE(refs.size(), expected);
        QVERIFY(!ws.masks().empty());

        // The eval run's row shows its status and accuracy.
        const QModelIndex row = w.navigatorModel()->indexOf({QStringLiteral("run"), sourceRun_});
        QVERIFY(row.isValid());
        QCOMPARE(row.siblingAtColumn(NavigatorModel::StatusColumn).data().toString(), QStringLiteral("completed"));
        const double acc = ws.run(sourceRun_).summary.at("acc").get<double>();
        QVERIFY(row.siblingAtColumn(NavigatorModel::KeyColumn).data().toString().startsWith(
            QStringLiteral("acc %1").arg(acc, 0, 'f', 3)));
    }

    // Selecting a row shows parameters, provenance and summary; the GUI thread never read the file for it.
    void selectingARowShowsItsDetails() {
        MainWindow w;
        w.setConfirmClose(false);
        w.show();
        QVERIFY(openAndWait(w, ws_));
        const QModelIndex row = w.navigatorModel()->indexOf({QStringLiteral("run"), sourceRun_});
        w.navigatorView()->setCurrentIndex(row);
        auto* page = qobject_cast<DetailsPage*>(w.tabs()->currentWidget());
        QVERIFY(page);
        QCOMPARE(page->ref(), (ObjectRef{QStringLiteral("run"), sourceRun_}));
        auto ws = workspace::Workspace::open(ws_.toStdString());
        const workspace::RunRecord run = ws.run(sourceRun_);
        const QString html = page->html();
        QVERIFY(html.contains(QStringLiteral("scoring")));
        QVERIFY(html.contains(QStringLiteral("letter")));
        QVERIFY(html.contains(q(ws.model(*run.modelId).weightsHash)));
        QVERIFY(html.contains(q(ws.benchmark(*run.benchmarkId).hash)));
        QVERIFY(html.contains(q(run.hostname)));
        QVERIFY(html.contains(q(run.prominenceVersion)));
        // Double-click (activate) pins it in a tab of its own.
        QVERIFY(w.openObject({QStringLiteral("selection"), sourceSel_}));
        page = qobject_cast<DetailsPage*>(w.tabs()->currentWidget());
        QCOMPARE(page->ref(), (ObjectRef{QStringLiteral("selection"), sourceSel_}));
        QVERIFY(!w.openObject({QStringLiteral("run"), 99999}));
        QVERIFY(w.lastError().contains(QStringLiteral("run:99999")));
    }

    // Form -> job -> workspace: the eval form stores the run the CLI stores for the same inputs, and its
    // "Copy as command" line, run, stores the same run again.
    void evalFormMatchesTheCli() {
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        w.show();
        QVERIFY(openAndWait(w, ws_));
        StepForm* form = w.openForm(QStringLiteral("eval"));
        QVERIFY(form);
        form->setValue(QStringLiteral("model"), modelDir_);
        form->setValue(QStringLiteral("benchmark"), member_);
        form->setValue(QStringLiteral("scoring"), QStringLiteral("letter"));
        form->setValue(QStringLiteral("limit"), 24);
        form->setValue(QStringLiteral("select"), QStringLiteral("threshold"));
        form->setValue(QStringLiteral("select-threshold"), 0.3);
        form->setValue(QStringLiteral("selection"), QStringLiteral("gui"));
        const JobRecord* j = runAndWait(w, form);
        QVERIFY2(j && j->state == JobState::Finished, j ? qPrintable(j->error) : "no job");
        const qint64 guiRun = j->result.at("run_id").get<qint64>();
        QVERIFY(j->result.at("selection").at("items").get<int>() >= 0);

        const QStringList command = form->command();
        QCOMPARE(command.first(), QStringLiteral("prominence-cli"));
        const test::CliResult cli = test::runCli(command.mid(1));
        QVERIFY2(cli.code == 0, qPrintable(cli.err));
        const nlohmann::json cliSummary = parseOut(cli);
        const qint64 cliRun = cliSummary.at("run_id").get<qint64>();
        QVERIFY(cliRun != guiRun);
        QCOMPARE(cliSummary.at("acc").get<double>(), j->result.at("acc").get<double>());
        QCOMPARE(cliSummary.at("n").get<int>(), 24);
        auto ws = workspace::Workspace::open(ws_.toStdString());
        compareItems(ws.items(guiRun), ws.items(cliRun));
        QCOMPARE(ws.run(guiRun).params, ws.run(cliRun).params);
        QCOMPARE(ws.findSelection(guiRun, "gui")->itemIndices, ws.findSelection(cliRun, "gui")->itemIndices);
        // The navigator picked up both runs (the job's and the CLI's, by the file watcher or the job's refresh).
        QTRY_VERIFY_WITH_TIMEOUT(w.navigatorModel()->indexOf({QStringLiteral("run"), cliRun}).isValid(), 10000);
        QVERIFY(w.navigatorModel()->indexOf({QStringLiteral("run"), guiRun}).isValid());
    }

    // The select form's live count is core's selection over the stored items; running it stores exactly those.
    void selectFormCountsWhatItStores() {
        MainWindow w;
        w.setConfirmClose(false);
        w.show();
        QVERIFY(openAndWait(w, ws_));
        StepForm* form = w.openForm(QStringLiteral("select"));
        form->setValue(QStringLiteral("run"), sourceRun_);
        form->setValue(QStringLiteral("name"), QStringLiteral("p30"));
        form->setValue(QStringLiteral("mode"), QStringLiteral("threshold"));
        form->setValue(QStringLiteral("threshold"), 0.3);
        auto ws = workspace::Workspace::open(ws_.toStdString());
        std::vector<eval::ItemScore> items;
        for (const auto& it : ws.items(sourceRun_)) {
            eval::ItemScore s;
            s.index = it.index;
            s.correct = it.correct;
            s.pCorrect = it.pCorrect;
            items.push_back(s);
        }
        eval::SelectionCriteria c;
        c.threshold = 0.3;
        const auto expected = eval::selectHighConfidence(items, c);
        QTRY_COMPARE_WITH_TIMEOUT(form->findChild<QLabel*>(QStringLiteral("selectionCount"))->text().section(QLatin1Char(' '), 0, 0),
                                  QString::number(expected.size()), 10000);
        const JobRecord* j = runAndWait(w, form);
        QVERIFY2(j && j->state == JobState::Finished, j ? qPrintable(j->error) : "no job");
        const auto stored = ws.findSelection(sourceRun_, "p30");
        QVERIFY(stored);
        QCOMPARE(stored->itemIndices, expected);
        QCOMPARE(j->result.at("items").get<std::size_t>(), expected.size());
    }

    // Cancel during an attribution job leaves a 'cancelled' run with its finished items; Resume from
    // the GUI completes it to the numbers of an uninterrupted run.
    void cancelledAttributionResumesToTheSameNumbers() {
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        w.show();
        QVERIFY(openAndWait(w, ws_));
        StepForm* form = w.openForm(QStringLiteral("attribute"));
        form->setValue(QStringLiteral("selection"), sourceSel_);
        form->setValue(QStringLiteral("steps"), 1024);
        form->setValue(QStringLiteral("chunk"), 64);
        form->setValue(QStringLiteral("name"), QStringLiteral("interrupted"));
        const int id = form->run();
        QVERIFY2(id != 0, qPrintable(form->statusText()));
        // Cancel once the first item has been stored.
        QTRY_VERIFY_WITH_TIMEOUT(w.jobs()->job(id)->done >= 1 &&
                                     w.jobs()->job(id)->stage.startsWith(QStringLiteral("attribute selection")),
                                 120000);
        w.jobs()->cancel(id);
        QTRY_VERIFY_WITH_TIMEOUT(w.jobs()->job(id)->finished(), 120000);
        QCOMPARE(w.jobs()->job(id)->state, JobState::Cancelled);

        auto ws = workspace::Workspace::open(ws_.toStdString());
        workspace::Id cancelled = 0;
        for (const auto& r : ws.runs({"attribution", true}))
            if (r.name == "interrupted") cancelled = r.id;
        QVERIFY(cancelled != 0);
        QCOMPARE(ws.run(cancelled).status, workspace::RunStatus::Cancelled);
        const std::size_t layers = static_cast<std::size_t>(ws.model(*ws.run(cancelled).modelId).info.at("layers").get<int>());
        const std::size_t kept = ws.igItems(cancelled, std::nullopt, workspace::ReadScope::Any).size();
        const std::size_t total = ws.selection(sourceSel_).itemIndices.size() * layers;
        QVERIFY2(kept >= layers && kept < total, qPrintable(QStringLiteral("%1 of %2 kept").arg(kept).arg(total)));

        // The navigator shows it cancelled, its page offers Resume.
        QTRY_COMPARE_WITH_TIMEOUT(w.navigatorModel()->indexOf({QStringLiteral("run"), cancelled})
                                      .siblingAtColumn(NavigatorModel::StatusColumn).data().toString(),
                                  QStringLiteral("cancelled"), 10000);
        // Selecting its row shows its details page (opening it shows the heatmap of what it stored).
        w.navigatorView()->setCurrentIndex(w.navigatorModel()->indexOf({QStringLiteral("run"), cancelled}));
        auto* page = qobject_cast<DetailsPage*>(w.tabs()->currentWidget());
        QVERIFY(page && page->findChild<QToolButton*>(QStringLiteral("resumeButton"))->isVisibleTo(page));
        const int resumed = w.resumeRun(cancelled);
        QTRY_VERIFY_WITH_TIMEOUT(w.jobs()->job(resumed)->finished(), 300000);
        QVERIFY2(w.jobs()->job(resumed)->state == JobState::Finished, qPrintable(w.jobs()->job(resumed)->error));
        QCOMPARE(ws.run(cancelled).status, workspace::RunStatus::Completed);

        // The same parameters, uninterrupted, through the CLI.
        const test::CliResult whole = test::runCli({QStringLiteral("attribute"), QStringLiteral("--workspace"), ws_,
            QStringLiteral("--selection"), QString::number(sourceSel_), QStringLiteral("--steps"), QStringLiteral("1024"), QStringLiteral("--chunk"), QStringLiteral("64")});
        QVERIFY2(whole.code == 0, qPrintable(whole.err));
        const workspace::Id wholeRun = parseOut(whole).at("attribution").at("run").get<workspace::Id>();
        auto matrix = [&](workspace::Id run, const std::string& kind) {
            for (const auto& s : ws.neuronScoresOf(run))
                if (s.kind == kind) return s.scores;
            return std::vector<float>{};
        };
        for (const char* kind : {"mean_ig", "mean_abs_ig"}) {
            const auto a = matrix(cancelled, kind), b = matrix(wholeRun, kind);
            QVERIFY(!a.empty());
            QCOMPARE(a.size(), b.size());
            double maxAbs = 0, maxDiff = 0;
            for (std::size_t i = 0; i < a.size(); ++i) {
                maxAbs = std::max(maxAbs, std::abs(double(b[i])));
                maxDiff = std::max(maxDiff, std::abs(double(a[i]) - double(b[i])));
            }
            QVERIFY2(maxDiff <= 1e-6 * std::max(maxAbs, 1e-12), qPrintable(QStringLiteral("%1: %2 of %3").arg(QString::fromLatin1(kind)).arg(maxDiff).arg(maxAbs)));
        }
    }

    // A failing job shows the core's error, and the window goes on working.
    void failingJobShowsItsErrorAndTheWindowStaysUsable() {
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        w.show();
        QVERIFY(openAndWait(w, ws_));
        StepForm* form = w.openForm(QStringLiteral("eval"));
        form->setValue(QStringLiteral("model"), dir_ + QStringLiteral("/no-such-model"));
        form->setValue(QStringLiteral("benchmark"), member_);
        form->setValue(QStringLiteral("select"), QStringLiteral("none"));
        QSignalSpy errors(&w, &MainWindow::errorShown);
        const JobRecord* j = runAndWait(w, form);
        QVERIFY(j);
        QCOMPARE(j->state, JobState::Failed);
        QVERIFY2(j->error.contains(QStringLiteral("no-such-model")), qPrintable(j->error));
        QTRY_VERIFY(errors.count() >= 1);
        QVERIFY(w.lastError().contains(QStringLiteral("no-such-model")));
        QVERIFY(form->statusText().contains(QStringLiteral("no-such-model")));
        // Still usable: the next job runs.
        StepForm* select = w.openForm(QStringLiteral("select"));
        select->setValue(QStringLiteral("run"), sourceRun_);
        select->setValue(QStringLiteral("name"), QStringLiteral("after-failure"));
        const JobRecord* ok = runAndWait(w, select);
        QVERIFY2(ok && ok->state == JobState::Finished, ok ? qPrintable(ok->error) : "no job");
        // A form with a missing value does not start a job and says why.
        StepForm* attr = w.openForm(QStringLiteral("attribute"));
        attr->setValue(QStringLiteral("layers"), QStringLiteral("first"));
        QCOMPARE(attr->run(), 0);
        QVERIFY(!attr->statusText().isEmpty());
    }

    // Files that are not workspaces, or are newer or damaged, show the core's error and stay as they were.
    void badFilesShowAnErrorAndChangeNothing() {
        const QString text = dir_ + QStringLiteral("/notes.prominence");
        {
            QFile f(text);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("these are my notes, not a database\n");
        }
        const QString truncated = dir_ + QStringLiteral("/truncated.prominence");
        {
            QFile src(ws_);
            QVERIFY(src.open(QIODevice::ReadOnly));
            QFile f(truncated);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(src.read(3000));
        }
        const QString newer = dir_ + QStringLiteral("/newer.prominence");
        {
            auto ws = workspace::Workspace::create(newer.toStdString());
            ws.database().exec("UPDATE meta SET value = '999' WHERE key = 'schema_version'", "make the file look newer");
        }
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        w.show();
        QVERIFY(openAndWait(w, ws_));
        for (const QString& path : {text, truncated, newer}) {
            const QByteArray before = fileHash(path);
            QSignalSpy failed(&w, &MainWindow::workspaceFailed);
            w.openWorkspace(path);
            QVERIFY2(failed.wait(20000), qPrintable(path));
            const QString error = failed.first().at(1).toString();
            QVERIFY2(!error.isEmpty(), qPrintable(path));
            QCOMPARE(w.lastError(), error);
            QCOMPARE(fileHash(path), before);
            // The window keeps the workspace it had.
            QCOMPARE(w.workspacePath(), ws_);
        }
        QVERIFY(w.lastError().contains(QStringLiteral("999")) || w.lastError().contains(QStringLiteral("newer")));
    }

    // The screenshot mode renders a stored object offscreen; a missing one exits non-zero, no file.
    void screenshotModeWritesThePngOrFails() {
        const QString gui = qEnvironmentVariable("PROMINENCE_GUI");
        QVERIFY2(!gui.isEmpty(), "PROMINENCE_GUI not set (run through ctest)");
        const QByteArray before = fileHash(ws_);
        const QString png = dir_ + QStringLiteral("/run.png");
        QProcess p;
        p.start(gui, {QStringLiteral("--workspace"), ws_, QStringLiteral("--open"), QStringLiteral("run:%1").arg(sourceRun_),
                      QStringLiteral("--screenshot"), png, QStringLiteral("--size"), QStringLiteral("1200x800")});
        QVERIFY(p.waitForFinished(60000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        QImage image(png);
        QCOMPARE(image.size(), QSize(1200, 800));
        const QString missing = dir_ + QStringLiteral("/missing.png");
        p.start(gui, {QStringLiteral("--workspace"), ws_, QStringLiteral("--open"), QStringLiteral("mask:4242"),
                      QStringLiteral("--screenshot"), missing});
        QVERIFY(p.waitForFinished(60000));
        QVERIFY(p.exitCode() != 0);
        QVERIFY(QString::fromLocal8Bit(p.readAllStandardError()).contains(QStringLiteral("mask:4242")));
        QVERIFY(!QFile::exists(missing));
        p.start(gui, {QStringLiteral("--workspace"), ws_, QStringLiteral("--open"), QStringLiteral("bogus:1"),
                      QStringLiteral("--screenshot"), missing});
        QVERIFY(p.waitForFinished(60000));
        QVERIFY(p.exitCode() != 0);
        QCOMPARE(fileHash(ws_), before);
    }
};

QTEST_MAIN(TestGuiStudy)
#include "test_gui_study.moc"
