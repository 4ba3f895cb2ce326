// study::runAttribute (the dataset form) stores what `prominence-cli attribute --workspace` stores
// for the same parameters, its command line reproduces that, and a cancel flag raised mid-run
// leaves a 'cancelled' run that a resume completes with the matrices of an uninterrupted run. Runs
// on the Shortcut Lab's miniature, built here in seconds. LibTorch first: its headers use `slots`
// as a name, which Qt defines as a macro.
#include "core/attribution/dataset_attribution.h"
#include "core/study/attribute_step.h"
#include "core/study/command_line.h"
#include "core/study/compare_step.h"
#include "core/study/eval_step.h"
#include "core/study/export_step.h"
#include "core/study/finetune_step.h"
#include "core/study/prune_step.h"
#include "core/system/runtime.h"
#include "core/workspace/workspace.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
using nlohmann::json;

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

test::CliResult cli(std::vector<std::string> argv) {
    QStringList args;
    for (std::size_t i = argv.front() == "prominence-cli" ? 1 : 0; i < argv.size(); ++i)
        args << q(argv[i]);
    args << QStringLiteral("--threads") << QStringLiteral("1") << QStringLiteral("--blas-threads")
         << QStringLiteral("1");
    return test::runCli(args);
}

double maxRelDiff(const at::Tensor& a, const at::Tensor& b) {
    return (a - b).abs().max().item<double>() / std::max(1e-12, b.abs().max().item<double>());
}

// Every stored matrix of an attribution run, by kind, and what the run records about itself.
struct StoredAttribution {
    json run;  // kind, name, status, params, summary
    std::map<std::string, at::Tensor> matrices;
    std::size_t igRows = 0;
};

StoredAttribution stored(const std::string& path, workspace::Id runId) {
    auto ws = workspace::Workspace::open(path);
    const workspace::RunRecord r = ws.run(runId);
    StoredAttribution s;
    s.run = {{"kind", r.kind},
             {"name", r.name},
             {"status", workspace::runStatusName(r.status)},
             {"params", r.params},
             {"summary", r.summary}};
    for (const auto& m : ws.neuronScoresOf(runId))
        s.matrices[m.kind] =
            at::from_blob(const_cast<float*>(m.scores.data()), {m.layers, m.neurons}, at::kFloat)
                .clone();
    s.igRows = ws.igItems(runId).size();
    return s;
}

// The summary without its wall time.
json withoutSeconds(json j) {
    j.erase("seconds");
    return j;
}

}  // namespace

class TestStudyAttribute : public QObject {
    Q_OBJECT

    std::string dir_, modelDir_;
    // Two workspaces with the same evals and selections: one for the study, one for the CLI.
    std::string wsStudy_, wsCli_;
    workspace::Id sourceSel_ = 0, refSel_ = 0;
    workspace::Id contrastRun_ =
        0;  // the attribution run holding a contrast (same id in both workspaces)

    std::string path(const std::string& name) const { return dir_ + "/" + name; }

private slots:
    void initTestCase() {
        QVERIFY2(!test::cliPath().isEmpty(), "PROMINENCE_CLI not set (run through ctest)");
        applyThreadSettings({1, 1});
        dir_ = test::tempDir().toStdString();
        const test::CliResult b = cli({"demo", "--tiny", "--build-only", "--cache", path("lab")});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        const std::string lab = json::parse(b.out.toStdString()).at("lab_dir").get<std::string>();
        modelDir_ = lab + "/model";
        QVERIFY(QFile::copy(q(lab + "/benchmarks/source.jsonl"), q(path("lab-source.jsonl"))));
        wsStudy_ = path("study.prominence");
        wsCli_ = path("cli.prominence");
        for (const std::string& ws : {wsStudy_, wsCli_}) {
            for (const char* bench : {"source", "member"}) {
                study::EvalParams e;
                e.modelDir = modelDir_;
                e.benchmarkPath = lab + "/benchmarks/" + bench + ".jsonl";
                e.options.scoring = eval::Scoring::Letter;
                e.workspacePath = ws;
                e.select = eval::SelectionCriteria{
                    0.0, std::nullopt};  // every correct item: the miniature is barely trained
                e.selectionName = "correct";
                const study::EvalResult r = study::runEval(e);
                QVERIFY2(r.selectedItems.size() >= 3, "too few correct items to attribute");
                (std::string(bench) == "source" ? sourceSel_ : refSel_) = *r.selectionId;
            }
        }
    }

    void studyStoresWhatTheCliStores() {
        study::AttributeParams p;
        p.workspacePath = wsStudy_;
        p.selectionId = sourceSel_;
        p.referenceSelections = {refSel_};
        p.attribution.ig.steps = 4;
        p.attribution.objective = attribution::Objective::Margin;
        p.attribution.baseline = attribution::BaselineKind::Mean;
        p.aggregate.frequencyThreshold = 0.3;
        p.top = 5;
        const study::AttributeResult r = study::runAttribute(p);
        QVERIFY(r.contrastScoresId.has_value());
        QCOMPARE(r.referenceRunIds.size(), std::size_t(1));
        QCOMPARE(r.summary.at("contrast").at("top").size(), std::size_t(5));

        study::AttributeParams viaCli = p;
        viaCli.workspacePath = wsCli_;
        const test::CliResult c = cli(study::commandLine(viaCli));
        QVERIFY2(c.code == 0, qPrintable(c.err));
        const json cliOut = json::parse(c.out.toStdString());
        const json studyOut = json::parse(r.summary.dump());
        QCOMPARE(q(withoutSeconds(cliOut).dump()), q(withoutSeconds(studyOut).dump()));

        for (workspace::Id run : {r.runId, r.referenceRunIds[0]}) {
            const StoredAttribution a = stored(wsStudy_, run), b = stored(wsCli_, run);
            QCOMPARE(q(b.run.dump()), q(a.run.dump()));
            QCOMPARE(b.igRows, a.igRows);
            QVERIFY(a.igRows > 0);
            QCOMPARE(b.matrices.size(), a.matrices.size());
            for (const auto& [kind, m] : a.matrices) {
                QVERIFY2(b.matrices.count(kind), kind.c_str());
                QVERIFY2(at::equal(b.matrices.at(kind), m), kind.c_str());
            }
        }
        QCOMPARE(q(stored(wsStudy_, r.runId).run.at("status").get<std::string>()),
                 QStringLiteral("completed"));
        contrastRun_ = r.runId;
    }

    // The steps after attribution, each once through the study and once through its command line on
    // the mirrored workspace: prune (a policy over the stored contrast), fine-tune with the mask
    // held, export with the mask applied. Same stored mask, same training losses, same files.
    void pruneFinetuneExportEqualTheCli() {
        QVERIFY2(contrastRun_ != 0, "needs studyStoresWhatTheCliStores");
        study::PruneParams pp;
        pp.workspacePath = wsStudy_;
        pp.scoresRun = contrastRun_;
        pp.policy.kind = prune::PolicyKind::GlobalTopK;
        pp.policy.k = 6;
        pp.maskName = "top6";
        const study::PruneResult pr = study::runPrune(pp);
        QCOMPARE(static_cast<int>(pr.mask.size()), 6);
        study::PruneParams ppCli = pp;
        ppCli.workspacePath = wsCli_;
        const test::CliResult pc = cli(study::commandLine(ppCli));
        QVERIFY2(pc.code == 0, qPrintable(pc.err));
        QCOMPARE(q(json::parse(pc.out.toStdString()).dump()), q(pr.summary.dump()));

        study::FinetuneParams fp;
        fp.modelDir = modelDir_;
        fp.benchmarkPath = path("lab-source.jsonl");
        fp.workspacePath = wsStudy_;
        fp.mask = "top6";
        fp.shots = 4;
        fp.train.maxSteps = 2;
        fp.train.batchSize = 2;
        fp.train.seed = 3;
        fp.outputDir = path("tuned-study");
        const study::FinetuneResult fr = study::runFinetune(fp);
        QVERIFY(fr.runId.has_value());
        QCOMPARE(fr.summary.at("pruned").get<int>(), 6);
        study::FinetuneParams fpCli = fp;
        fpCli.workspacePath = wsCli_;
        fpCli.outputDir = path("tuned-cli");
        const test::CliResult fc = cli(study::commandLine(fpCli));
        QVERIFY2(fc.code == 0, qPrintable(fc.err));
        json fromCli = json::parse(fc.out.toStdString()),
             fromStudy = json::parse(fr.summary.dump());
        QCOMPARE(q(fromCli.at("output").get<std::string>()), q(fpCli.outputDir));
        fromCli.erase("output");
        fromStudy.erase("output");
        QCOMPARE(q(fromCli.dump()), q(fromStudy.dump()));
        {
            auto a = workspace::Workspace::open(wsStudy_), b = workspace::Workspace::open(wsCli_);
            json pa = a.run(*fr.runId).params, pb = b.run(*fr.runId).params;
            QCOMPARE(q(pb.dump()), q(pa.dump()));
        }

        study::ExportParams xp;
        xp.modelDir = modelDir_;
        xp.workspacePath = wsStudy_;
        xp.mask = "top6";
        xp.outputDir = path("exported-study");
        const study::ExportResult xr = study::runExport(xp);
        QCOMPARE(xr.summary.at("pruned").get<int>(), 6);
        study::ExportParams xpCli = xp;
        xpCli.workspacePath = wsCli_;
        xpCli.outputDir = path("exported-cli");
        const test::CliResult xc = cli(study::commandLine(xpCli));
        QVERIFY2(xc.code == 0, qPrintable(xc.err));
        json xa = json::parse(xr.summary.dump()), xb = json::parse(xc.out.toStdString());
        xa.erase("dir");
        xb.erase("dir");
        QCOMPARE(q(xb.dump()), q(xa.dump()));
        for (const std::string& f : xr.written.weightFiles) {
            std::ifstream a(xp.outputDir + "/" + f, std::ios::binary),
                b(xpCli.outputDir + "/" + f, std::ios::binary);
            const std::string ba{std::istreambuf_iterator<char>(a), {}},
                bb{std::istreambuf_iterator<char>(b), {}};
            QVERIFY2(!ba.empty() && ba == bb, f.c_str());
        }

        // Parameter errors come before any work and name what is missing.
        study::PruneParams bad = pp;
        bad.scoresRun = 0;
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runPrune(bad));
        study::ExportParams both = xp;
        both.neurons = "0:1";
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runExport(both));
    }

    // compare through the study and through its command line: the same table (cells, McNemar, the
    // runs and masks it stored, by id) in both workspaces.
    void compareEqualsTheCli() {
        study::CompareParams cp;
        cp.workspacePath = wsStudy_;
        cp.modelDir = modelDir_;
        cp.sourcePath = path("lab-source.jsonl");
        cp.mask = "top6";
        cp.limit = 6;
        cp.pool = 8;
        cp.shots = 4;
        cp.seeds = {1};
        cp.conditions = {compare::Condition::Before, compare::Condition::Method, compare::Condition::RandomFinetune};
        cp.bootstrapResamples = 50;
        cp.name = "small";
        const study::CompareResult r = study::runCompare(cp);
        QVERIFY(r.comparisonId != 0);
        QCOMPARE(r.table.at("cells").size(), std::size_t(3));
        study::CompareParams viaCli = cp;
        viaCli.workspacePath = wsCli_;
        std::vector<std::string> line = study::commandLine(viaCli);
        line.push_back("--json");
        const test::CliResult c = cli(line);
        QVERIFY2(c.code == 0, qPrintable(c.err));
        QCOMPARE(q(json::parse(c.out.toStdString()).dump()), q(json::parse(r.table.dump()).dump()));

        // Without a selection and with every condition, magnitude_finetune is left out with a note.
        study::CompareParams all = cp;
        all.conditions.clear();
        all.train.maxSteps = 1;
        std::vector<std::string> notes;
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::commandLine(all));  // maxSteps needs --train-config
        all.seeds = {};
        QVERIFY_THROWS_EXCEPTION(study::ParamsError,
                                 study::runCompare(all, Progress::none(), [&](const std::string& n) { notes.push_back(n); }));
        QCOMPARE(notes.size(), std::size_t(1));
        QVERIFY(notes[0].find("leaving out magnitude_finetune") != std::string::npos);
    }

    // A raised CancelFlag stops the run after its finished items; resuming completes it, equal to a
    // run that was never interrupted.
    void cancelThenResume() {
        study::AttributeParams p;
        p.workspacePath = wsStudy_;
        p.selectionId = sourceSel_;
        p.attribution.ig.steps = 4;
        p.name = "whole";
        const study::AttributeResult whole = study::runAttribute(p);

        CancelFlag flag;
        std::int64_t itemsDone = 0;
        Progress progress(
            [&](const std::string& stage, std::int64_t done, std::int64_t) {
                if (stage.rfind("attribute selection", 0) == 0) itemsDone = done;
                if (itemsDone >= 2) flag.cancel();
                return true;
            },
            &flag);
        p.name = "interrupted";
        QVERIFY_THROWS_EXCEPTION(Cancelled, study::runAttribute(p, progress));
        workspace::Id cancelled = 0;
        {
            auto ws = workspace::Workspace::open(wsStudy_);
            for (const auto& r : ws.runs({"attribution", true}))
                if (r.name == "interrupted") {
                    QCOMPARE(q(workspace::runStatusName(r.status)), QStringLiteral("cancelled"));
                    cancelled = r.id;
                }
            QVERIFY(cancelled != 0);
            const auto kept = ws.igItems(cancelled, std::nullopt, workspace::ReadScope::Any);
            QVERIFY(!kept.empty());
            QVERIFY(kept.size() < stored(wsStudy_, whole.runId).igRows);
        }

        study::AttributeParams resume;
        resume.workspacePath = wsStudy_;
        resume.resumeRunId = cancelled;
        const study::AttributeResult done = study::runAttribute(resume);
        QCOMPARE(done.runId, cancelled);
        QVERIFY(done.summary.at("attribution").at("resumed_items").get<int>() >= 2);
        const StoredAttribution a = stored(wsStudy_, whole.runId), b = stored(wsStudy_, cancelled);
        QCOMPARE(q(b.run.at("status").get<std::string>()), QStringLiteral("completed"));
        QCOMPARE(b.igRows, a.igRows);
        for (const auto& [kind, m] : a.matrices)
            QVERIFY2(maxRelDiff(b.matrices.at(kind), m) < 1e-6, kind.c_str());

        // A completed run is not resumed again; a resume of a run of another kind is a usage error.
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, study::runAttribute(resume));
        resume.resumeRunId = 1;  // the first eval run
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runAttribute(resume));
    }

    void badParamsAreParamsErrors() {
        study::AttributeParams p;
        p.workspacePath = wsStudy_;
        QVERIFY_THROWS_EXCEPTION(study::ParamsError,
                                 study::runAttribute(p));  // neither selection nor resume
        p.selectionId = sourceSel_;
        p.resumeRunId = 1;
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runAttribute(p));  // both
        p.resumeRunId = 0;
        p.attribution.ig.steps = 0;
        QVERIFY_THROWS_EXCEPTION(study::ParamsError, study::runAttribute(p));
        p.attribution.ig.steps = 4;
        p.attribution.layers = {99};
        QVERIFY_THROWS_EXCEPTION(study::ParamsError,
                                 study::runAttribute(p));  // checked against the model
        p.attribution.layers.clear();
        p.selectionId = 999;
        QVERIFY_THROWS_EXCEPTION(StorageError, study::runAttribute(p));
    }
};

QTEST_GUILESS_MAIN(TestStudyAttribute)
#include "test_study_attribute.moc"
