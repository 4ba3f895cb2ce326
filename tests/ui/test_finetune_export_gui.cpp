// Fine-tuning's live view and the export dialog, on the Shortcut Lab's miniature (built here by the CLI in
// seconds; no ../shared needed).
// Core: the trainer's observers receive every step and every validation pass it records; a cancelled
// fine-tune keeps the weights of its last finished step as a checkpoint that loads and equals an
// uncancelled run of that many steps, recorded with the cancelled run.
// GUI: the fine-tune form's loss curve holds exactly the steps (and validation losses) the trainer
// reported; a cancel from the Jobs side keeps a loadable checkpoint in the navigator; the export dialog
// writes the same bytes as `prominence-cli export` on the same mask, reloads the export and shows its
// logits' largest difference from the masked model, and its row appears in the navigator.
#include "core/model/model.h"
#include "core/study/export_step.h"
#include "core/study/finetune_step.h"
#include "core/workspace/workspace.h"

#include <nlohmann/json.hpp>

#include <QCryptographicHash>
#include <QDirIterator>
#include <QFile>
#include <QLabel>
#include <QScrollArea>
#include <QSettings>
#include <QSignalSpy>
#include <QtTest>

#include <fstream>

#include "tests/common/test_support.h"
#include "ui/forms/step_form.h"
#include "ui/main_window.h"
#include "ui/views/export_dialog.h"
#include "ui/views/loss_plot.h"

using namespace prominence;
using namespace prominence::ui;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }
nlohmann::json parseOut(const test::CliResult& r) { return nlohmann::json::parse(r.out.toStdString()); }

bool openAndWait(MainWindow& w, const QString& path) {
    QSignalSpy loaded(&w, &MainWindow::workspaceLoaded);
    w.openWorkspace(path);
    return loaded.wait(20000);
}

nlohmann::json readJson(const QString& path) {
    std::ifstream in(path.toStdString());
    return nlohmann::json::parse(in, nullptr, false);
}

// Relative path -> SHA-256 of every file under `dir`.
std::map<QString, QByteArray> fileHashes(const QString& dir) {
    std::map<QString, QByteArray> out;
    QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) continue;
        out[QDir(dir).relativeFilePath(path)] = QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
    }
    return out;
}

double maxLogitDiff(const std::string& a, const std::string& b) {
    auto ma = Model::load(a), mb = Model::load(b);
    ForwardInput in;
    in.inputIds = at::tensor(std::vector<std::int64_t>{1, 5, 9, 3, 7, 2}, at::TensorOptions().dtype(at::kLong)).unsqueeze(0);
    at::NoGradGuard g;
    return (ma->forward(in).logits - mb->forward(in).logits).abs().max().item<double>();
}

}  // namespace

class TestFinetuneExportGui : public QObject {
    Q_OBJECT

    QString dir_, modelDir_, source_, member_, ws_;
    qint64 maskId_ = 0;
    QTemporaryDir settings_;

    study::FinetuneParams baseParams(const QString& out) const {
        study::FinetuneParams p;
        p.modelDir = modelDir_.toStdString();
        p.benchmarkPath = source_.toStdString();
        p.shots = 8;
        p.train.batchSize = 2;
        p.train.schedule = train::ScheduleKind::Constant;  // so a shorter run has the same learning rates
        p.train.maxSteps = 5;
        p.outputDir = out.toStdString();
        return p;
    }

private slots:
    void initTestCase() {
        QVERIFY2(!test::cliPath().isEmpty(), "PROMINENCE_CLI not set (run through ctest)");
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settings_.path());
        dir_ = test::tempDir();
        const test::CliResult b = test::runCli({QStringLiteral("demo"), QStringLiteral("--tiny"), QStringLiteral("--build-only"),
                                                QStringLiteral("--cache"), dir_ + QStringLiteral("/lab")});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        const QString lab = q(parseOut(b).at("lab_dir").get<std::string>());
        modelDir_ = lab + QStringLiteral("/model");
        source_ = lab + QStringLiteral("/benchmarks/source.jsonl");
        member_ = lab + QStringLiteral("/benchmarks/member.jsonl");
        ws_ = dir_ + QStringLiteral("/study.prominence");
        const test::CliResult m = test::runCli({QStringLiteral("workspace"), QStringLiteral("--workspace"), ws_,
                                                QStringLiteral("--add-model"), modelDir_});
        QVERIFY2(m.code == 0, qPrintable(m.err));
        const qint64 modelId = parseOut(m).at("id").get<qint64>();
        const test::CliResult bench = test::runCli({QStringLiteral("workspace"), QStringLiteral("--workspace"), ws_,
                                                    QStringLiteral("--add-benchmark"), member_});
        QVERIFY2(bench.code == 0, qPrintable(bench.err));
        const test::CliResult s = test::runCli({QStringLiteral("mask"), QStringLiteral("--workspace"), ws_, QStringLiteral("--save"),
                                                QStringLiteral("hand"), QStringLiteral("--neurons"), QStringLiteral("0:1,0:7,1:3,1:20"),
                                                QStringLiteral("--model-id"), QString::number(modelId)});
        QVERIFY2(s.code == 0, qPrintable(s.err));
        maskId_ = parseOut(s).at("mask_id").get<qint64>();
    }

    // The observers see every step the trainer records, in order, with the same numbers, and every
    // validation pass; step times are measured.
    void coreObserversReceiveEveryStep() {
        study::FinetuneParams p = baseParams(dir_ + QStringLiteral("/observed"));
        p.validation = 4;
        p.train.evalEvery = 2;
        std::vector<train::StepRecord> steps;
        std::vector<train::EvalRecord> evals;
        p.train.onStep = [&](const train::StepRecord& r) { steps.push_back(r); };
        p.train.onValidation = [&](const train::EvalRecord& r) { evals.push_back(r); };
        const study::FinetuneResult r = study::runFinetune(p);
        QCOMPARE(steps.size(), r.training.history.size());
        QCOMPARE(r.training.steps, std::int64_t{5});
        for (std::size_t i = 0; i < steps.size(); ++i) {
            QCOMPARE(steps[i].step, r.training.history[i].step);
            QCOMPARE(steps[i].loss, r.training.history[i].loss);
            QCOMPARE(steps[i].lr, r.training.history[i].lr);
            QVERIFY(steps[i].seconds > 0.0);
        }
        QCOMPARE(evals.size(), r.training.validation.size());
        QVERIFY(evals.size() >= 3);  // steps 2, 4 and the last
        for (std::size_t i = 0; i < evals.size(); ++i) {
            QCOMPARE(evals[i].step, r.training.validation[i].step);
            QCOMPARE(evals[i].loss, r.training.validation[i].loss);
        }
    }

    // Cancelled after step 2 of 5: the step-2 weights are written beside the output, recorded with the
    // cancelled run, load, and equal an uncancelled 2-step run's (same seed, constant learning rate).
    void coreCancelKeepsTheLastCheckpoint() {
        const QString out = dir_ + QStringLiteral("/cancelled");
        study::FinetuneParams p = baseParams(out);
        p.workspacePath = ws_.toStdString();
        p.mask = std::to_string(maskId_);
        std::vector<train::SavedCheckpoint> seen;
        p.train.onCheckpoint = [&](const train::SavedCheckpoint& c) { seen.push_back(c); };
        Progress progress([](const std::string&, std::int64_t done, std::int64_t) { return done < 2; });
        QVERIFY_THROWS_EXCEPTION(Cancelled, study::runFinetune(p, progress));
        QVERIFY(!QFileInfo::exists(out));
        QCOMPARE(seen.size(), std::size_t{1});
        QCOMPARE(seen[0].step, std::int64_t{2});
        QCOMPARE(q(seen[0].path), q(study::finetuneCheckpointDir(p.outputDir)) + QStringLiteral("/step-2"));

        auto ws = workspace::Workspace::open(ws_.toStdString());
        workspace::RunRecord run;
        for (const auto& r : ws.runs({"finetune", true}))
            if (r.name == p.outputDir) run = r;
        QCOMPARE(run.status, workspace::RunStatus::Cancelled);
        QCOMPARE(run.summary.at("steps").get<int>(), 2);
        const auto ckpts = ws.checkpoints(run.id, workspace::ReadScope::Any);
        QCOMPARE(ckpts.size(), std::size_t{1});
        QCOMPARE(ckpts[0].step, std::int64_t{2});
        QCOMPARE(q(ckpts[0].path), q(seen[0].path));
        QCOMPARE(ckpts[0].maskId, std::optional<workspace::Id>(maskId_));
        QVERIFY(QFileInfo::exists(q(ckpts[0].path) + QStringLiteral("/tokenizer.json")));

        study::FinetuneParams two = baseParams(dir_ + QStringLiteral("/two-steps"));
        two.neurons = "0:1,0:7,1:3,1:20";
        two.train.maxSteps = 2;
        study::runFinetune(two);
        QCOMPARE(maxLogitDiff(ckpts[0].path, two.outputDir), 0.0);
    }

    // The form's curve: every step and validation loss the trainer recorded (prominence.json's history).
    void lossCurveReceivesEveryStep() {
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        w.resize(1400, 900);
        w.show();
        QVERIFY(openAndWait(w, ws_));
        StepForm* f = w.openForm(QStringLiteral("finetune"));
        QVERIFY(f);
        const QString out = dir_ + QStringLiteral("/gui-finetune");
        f->setValue(QStringLiteral("model"), modelDir_);
        f->setValue(QStringLiteral("benchmark"), source_);
        f->setValue(QStringLiteral("shots"), 12);
        f->setValue(QStringLiteral("validation"), 4);
        f->setValue(QStringLiteral("batch-size"), 2);
        f->setValue(QStringLiteral("epochs"), 3);
        f->setValue(QStringLiteral("mask"), maskId_);
        f->setValue(QStringLiteral("output"), out);
        const int id = f->run();
        QVERIFY2(id > 0, qPrintable(f->statusText()));
        QSignalSpy ended(f, &StepForm::jobEnded);
        QVERIFY(ended.wait(300000));
        QCOMPARE(w.jobs()->job(id)->state, JobState::Finished);
        auto* plot = f->findChild<LossPlot*>(QStringLiteral("finetuneLossPlot"));
        QVERIFY(plot);
        QTRY_VERIFY(!plot->steps().empty());
        const nlohmann::json training = readJson(out + QStringLiteral("/prominence.json")).at("training");
        const auto& history = training.at("history");
        QTRY_COMPARE(plot->steps().size(), history.size());
        QCOMPARE(history.size(), std::size_t{18});  // 3 epochs of 6 steps
        for (std::size_t i = 0; i < history.size(); ++i) {
            QCOMPARE(plot->steps()[i].first, history[i].at("step").get<std::int64_t>());
            QCOMPARE(plot->steps()[i].second, history[i].at("loss").get<double>());
        }
        const auto& val = training.at("validation");
        QCOMPARE(plot->validation().size(), val.size());
        QCOMPARE(val.size(), std::size_t{3});  // end of each epoch
        for (std::size_t i = 0; i < val.size(); ++i) QCOMPARE(plot->validation()[i].second, val[i].at("loss").get<double>());
        auto* stats = f->findChild<QLabel*>(QStringLiteral("finetuneStats"));
        QVERIFY(stats->text().contains(QStringLiteral("step 18")));
        QVERIFY(stats->text().contains(QStringLiteral("validation loss")));
        const QString shots = qEnvironmentVariable("PROMINENCE_SCREENSHOT_DIR");
        if (!shots.isEmpty()) {
            if (auto* scroll = f->findChild<QScrollArea*>()) scroll->ensureWidgetVisible(stats, 0, 0);
            QTest::qWait(200);
            QVERIFY(w.grab().save(shots + QStringLiteral("/gui-finetune.png")));
            QVERIFY(plot->saveFigure(shots + QStringLiteral("/gui-finetune-loss.png")));
        }
    }

    // Cancelled from the Jobs side while training: the run is cancelled, its last finished step's
    // checkpoint is in the workspace (and the navigator) and loads.
    void cancelFromTheGuiKeepsALoadableCheckpoint() {
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        QVERIFY(openAndWait(w, ws_));
        StepForm* f = w.openForm(QStringLiteral("finetune"));
        const QString out = dir_ + QStringLiteral("/gui-cancelled");
        f->setValue(QStringLiteral("model"), modelDir_);
        f->setValue(QStringLiteral("benchmark"), source_);
        f->setValue(QStringLiteral("shots"), 8);
        f->setValue(QStringLiteral("validation"), 0);
        f->setValue(QStringLiteral("batch-size"), 2);
        f->setValue(QStringLiteral("max-steps"), 100000);
        f->setValue(QStringLiteral("output"), out);
        const int id = f->run();
        QVERIFY2(id > 0, qPrintable(f->statusText()));
        auto* plot = f->findChild<LossPlot*>(QStringLiteral("finetuneLossPlot"));
        QTRY_VERIFY_WITH_TIMEOUT(!plot->steps().empty(), 120000);
        QSignalSpy ended(f, &StepForm::jobEnded);
        w.jobs()->cancel(id);
        QVERIFY(w.jobs()->job(id)->finished() || ended.wait(120000));
        QCOMPARE(w.jobs()->job(id)->state, JobState::Cancelled);
        auto ws = workspace::Workspace::open(ws_.toStdString());
        workspace::RunRecord run;
        for (const auto& r : ws.runs({"finetune", true}))
            if (r.name == out.toStdString()) run = r;
        QCOMPARE(run.status, workspace::RunStatus::Cancelled);
        const auto ckpts = ws.checkpoints(run.id, workspace::ReadScope::Any);
        QCOMPARE(ckpts.size(), std::size_t{1});
        QCOMPARE(ckpts[0].step, run.summary.at("steps").get<std::int64_t>());
        QVERIFY(ckpts[0].step >= 1);
        auto loaded = Model::load(ckpts[0].path);
        QCOMPARE(loaded->numLayers(), Model::load(modelDir_.toStdString())->numLayers());
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const auto& c : w.snapshot().checkpoints)
                    if (c.id == ckpts[0].id) return true;
                return false;
            }(),
            20000);
    }

    // The dialog's export equals `prominence-cli export` on the same mask, file for file and byte for byte;
    // the reloaded export's logits match the masked source; the export's row reaches the navigator.
    void exportDialogEqualsTheCli() {
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        QVERIFY(openAndWait(w, ws_));
        ExportDialog dialog(&w);
        dialog.resize(1000, 700);
        QVERIFY(dialog.setMask(maskId_));
        QVERIFY(!dialog.setMask(987654));
        const QString gui = dir_ + QStringLiteral("/export-gui"), cli = dir_ + QStringLiteral("/export-cli");
        dialog.setModelDir(modelDir_);
        dialog.setOutputDir(gui);
        dialog.setShardMegabytes(1);
        dialog.setCheckBenchmark(member_);
        dialog.setCheckItems(3);
        QVERIFY2(dialog.commandText().contains(QStringLiteral("--mask %1").arg(maskId_)), qPrintable(dialog.commandText()));
        QSignalSpy finished(&dialog, &ExportDialog::exportFinished);
        QVERIFY2(dialog.run() > 0, qPrintable(dialog.statusText()));
        QVERIFY(finished.wait(120000));
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(dialog.statusText()));

        const test::CliResult c = test::runCli({QStringLiteral("export"), QStringLiteral("--workspace"), ws_, QStringLiteral("--mask"),
                                                QString::number(maskId_), QStringLiteral("--model"), modelDir_, QStringLiteral("--output"),
                                                cli, QStringLiteral("--max-shard-size"), QStringLiteral("1000000")});
        QVERIFY2(c.code == 0, qPrintable(c.err));
        const auto a = fileHashes(gui), b = fileHashes(cli);
        QVERIFY(a.size() >= 3);
        QCOMPARE(a.size(), b.size());
        for (const auto& [name, hash] : a) {
            QVERIFY2(b.count(name), qPrintable(name));
            QVERIFY2(b.at(name) == hash, qPrintable(QStringLiteral("%1 differs").arg(name)));
        }

        const nlohmann::json& check = dialog.lastResult().at("check");
        QCOMPARE(check.at("items").get<int>(), 3);
        QCOMPARE(check.at("pruned").get<int>(), 4);
        QVERIFY(check.at("max_abs_diff").get<double>() < 1e-4);
        study::ExportCheckParams cp;
        cp.exportDir = cli.toStdString();
        cp.modelDir = modelDir_.toStdString();
        cp.benchmarkPath = member_.toStdString();
        cp.items = 3;
        QCOMPARE(study::checkExport(cp).maxAbsDiff, check.at("max_abs_diff").get<double>());
        // The source itself (no prominence.json, so no mask) against itself: exactly equal.
        cp.exportDir = modelDir_.toStdString();
        QCOMPARE(study::checkExport(cp).maxAbsDiff, 0.0);
        QVERIFY(dialog.resultText().contains(QStringLiteral("max |logit difference|")));
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const auto& e : w.snapshot().exports)
                    if (q(e.path) == gui) return true;
                return false;
            }(),
            20000);
        const QString shots = qEnvironmentVariable("PROMINENCE_SCREENSHOT_DIR");
        if (!shots.isEmpty()) {
            dialog.show();
            QTest::qWait(200);
            QVERIFY(dialog.grab().save(shots + QStringLiteral("/gui-export.png")));
        }
    }

    void exportDialogRefusesIncompleteInput() {
        MainWindow w;
        w.setConfirmClose(false);
        w.setErrorDialogs(false);
        QVERIFY(openAndWait(w, ws_));
        ExportDialog dialog(&w);
        dialog.setModelDir(modelDir_);
        QVERIFY(dialog.setMask(maskId_));
        QCOMPARE(dialog.run(), 0);  // no output directory
        QVERIFY(dialog.statusText().contains(QStringLiteral("output")));
        dialog.setNeurons(QString());
        dialog.setOutputDir(dir_ + QStringLiteral("/never"));
        QCOMPARE(dialog.run(), 0);
        QVERIFY(dialog.statusText().contains(QStringLiteral("neurons")));
        QVERIFY(!QFileInfo::exists(dir_ + QStringLiteral("/never")));
    }
};

QTEST_MAIN(TestFinetuneExportGui)
#include "test_finetune_export_gui.moc"
