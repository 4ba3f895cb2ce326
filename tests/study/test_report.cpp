// Reports (docs/report.md): `demo --report` and `report` write a PDF whose text holds the stored
// comparison exactly as `compare` prints it, the model's hashes, the run ids and the reproduction
// command; its headline numbers equal the demo's JSON; the export is recorded; every page renders;
// bad inputs fail with their message and leave no file. Runs on the Shortcut Lab's miniature (built
// here in seconds) and needs poppler-utils (pdftotext, pdfinfo, pdftoppm; scripts/setup.sh installs them).
#include "core/compare/comparison.h"
#include "core/study/report_model.h"
#include "core/system/runtime.h"
#include "core/workspace/workspace.h"

#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QRegularExpression>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/common/test_support.h"

using namespace prominence;
using nlohmann::json;

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

test::CliResult cli(QStringList args) {
    args << QStringLiteral("--threads") << QStringLiteral("1") << QStringLiteral("--blas-threads") << QStringLiteral("1");
    return test::runCli(args);
}

// Runs a poppler tool; fails the test when it cannot run.
QString tool(const QString& program, const QStringList& args) {
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(120000) || p.exitCode() != 0)
        qFatal("%s %s failed: %s", qPrintable(program), qPrintable(args.join(QLatin1Char(' '))), p.readAllStandardError().constData());
    return QString::fromUtf8(p.readAllStandardOutput());
}

// Whitespace runs collapsed to one space: pdftotext's spacing of a monospace table is not the source's.
QString squeezed(QString s) {
    return s.replace(QRegularExpression(QStringLiteral("\\s+")), QStringLiteral(" ")).trimmed();
}

QString pdfText(const QString& pdf, int page = 0) {
    QStringList args = {QStringLiteral("-layout")};
    if (page > 0) args << QStringLiteral("-f") << QString::number(page) << QStringLiteral("-l") << QString::number(page);
    args << pdf << QStringLiteral("-");
    return tool(QStringLiteral("pdftotext"), args);
}

QString pdfInfo(const QString& pdf, const QString& field) {
    const QString info = tool(QStringLiteral("pdfinfo"), {pdf});
    const QRegularExpression re(QStringLiteral("^%1:\\s*(.*)$").arg(field), QRegularExpression::MultilineOption);
    const auto m = re.match(info);
    return m.hasMatch() ? m.captured(1).trimmed() : QString();
}

// No file at `path`, and no temporary report left in its directory.
bool nothingWritten(const QString& path) {
    if (QFileInfo::exists(path)) return false;
    const QDir dir = QFileInfo(path).absoluteDir();
    return !dir.exists() || dir.entryList({QStringLiteral(".*.tmp-*")}, QDir::Files | QDir::Hidden).isEmpty();
}

}  // namespace

class TestReport : public QObject {
    Q_OBJECT

    QString dir_;
    QString ws_, pdf_, lab_;
    json demo_;

    QString path(const QString& name) const { return dir_ + QStringLiteral("/") + name; }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(!test::cliPath().isEmpty(), "PROMINENCE_CLI not set (run through ctest)");
        if (QStandardPaths::findExecutable(QStringLiteral("pdftotext")).isEmpty())
            QSKIP("pdftotext (poppler-utils) is not installed: run scripts/setup.sh");
        applyThreadSettings({1, 1});
        dir_ = test::tempDir();
        ws_ = path(QStringLiteral("lab.prominence"));
        pdf_ = path(QStringLiteral("demo.pdf"));
        const test::CliResult r = cli({QStringLiteral("demo"), QStringLiteral("--tiny"), QStringLiteral("--seeds"), QStringLiteral("2"),
                                       QStringLiteral("--workspace"), ws_, QStringLiteral("--cache"), path(QStringLiteral("cache")),
                                       QStringLiteral("--json"), path(QStringLiteral("demo.json")), QStringLiteral("--report"), pdf_});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(QFileInfo(pdf_).size() > 0, qPrintable(r.err));
        std::ifstream in(path(QStringLiteral("demo.json")).toStdString());
        demo_ = json::parse(in);
        lab_ = q(demo_.at("lab_dir").get<std::string>());
    }

    // The report model's headline numbers are the demo's own.
    void headlineEqualsDemoJson() {
        study::ReportParams p;
        p.workspacePath = ws_.toStdString();
        const study::ReportModel m = study::buildReportModel(p);
        QCOMPARE(q(m.studyKind), QStringLiteral("demo"));
        QCOMPARE(m.headline.at("pruned").get<int>(), demo_.at("mask").at("count").get<int>());
        json perLayer = json::object();
        for (const auto& [layer, n] : m.headline.at("per_layer").items()) perLayer[layer] = n;
        QCOMPARE(q(perLayer.dump()), q(demo_.at("mask").at("per_layer").dump()));
        // Paired differences: the mean over items of the per-seed difference = the mean of the per-seed
        // accuracy differences the demo prints.
        const json& paired = demo_.at("summary").at("paired_accuracy_differences");
        int checked = 0;
        for (const auto& d : m.headline.at("differences")) {
            const std::string key = d.at("contrast").get<std::string>() == "method - finetune_only" ? "method_minus_finetune_only"
                                  : d.at("contrast").get<std::string>() == "method - random_finetune" ? "method_minus_random_finetune"
                                                                                                      : "";
            if (key.empty() || !paired.contains(d.at("benchmark").get<std::string>())) continue;
            QVERIFY(std::abs(d.at("mean").get<double>() - paired.at(d.at("benchmark").get<std::string>()).at(key).at("mean").get<double>()) < 1e-9);
            QVERIFY(d.at("ci_low").get<double>() <= d.at("mean").get<double>() + 1e-12);
            QVERIFY(d.at("ci_high").get<double>() >= d.at("mean").get<double>() - 1e-12);
            ++checked;
        }
        QCOMPARE(checked, 2 * static_cast<int>(paired.size()));
        // The comparison cells are the stored table's, which is the demo's.
        QVERIFY(m.comparison.has_value());
        QCOMPARE(q(m.comparison->table.at("cells").dump()), q(demo_.at("comparison").at("cells").dump()));
        QCOMPARE(q(m.comparisonText), q(compare::formatTable(demo_.at("comparison"))));

        // Top neurons: in score order, rank 1 the matrix's largest, the items behind each by IG.
        QVERIFY(m.heatmap.has_value());
        QCOMPARE(static_cast<int>(m.topNeurons.size()), p.top);
        const float largest = *std::max_element(m.heatmap->scores.begin(), m.heatmap->scores.end());
        QCOMPARE(m.topNeurons.front().score, static_cast<double>(largest));
        int pruned = 0;
        for (std::size_t i = 0; i < m.topNeurons.size(); ++i) {
            const auto& n = m.topNeurons[i];
            QCOMPARE(n.rank, static_cast<std::int64_t>(i + 1));
            QCOMPARE(n.score, static_cast<double>(m.heatmap->scores[static_cast<std::size_t>(n.layer * m.heatmap->neurons + n.neuron)]));
            if (i > 0) QVERIFY(n.score <= m.topNeurons[i - 1].score);
            QVERIFY2(!n.items.empty(), "the demo stores per-item IG rows");
            for (std::size_t k = 1; k < n.items.size(); ++k) QVERIFY(n.items[k].attribution <= n.items[k - 1].attribution);
            QVERIFY(!n.items.front().question.empty());
            QCOMPARE(static_cast<int>(n.up.size()), p.effectTokens);
            QVERIFY(n.up.front().value >= n.up.back().value);
            pruned += n.pruned;
        }
        QVERIFY(pruned > 0);  // the method pruned its best-scoring neurons

        // Parameters with the defaults marked: the attribution's method is the default, its 4 steps
        // (the tiny lab's) are not.
        bool sawMethod = false, sawSteps = false;
        for (const auto& s : m.steps)
            if (s.kind == "attribution")
                for (const auto& prm : s.params) {
                    if (prm.key == "method") sawMethod = prm.isDefault && prm.value == "integrated_gradients";
                    if (prm.key == "steps") sawSteps = !prm.isDefault && prm.value == "4";
                }
        QVERIFY(sawMethod);
        QVERIFY(sawSteps);
        QVERIFY(!m.reproduction.empty());
        QVERIFY2(m.reproduction.front().rfind("prominence-cli demo --workspace ", 0) == 0, m.reproduction.front().c_str());
        QVERIFY(m.reproduction.front().find("--tiny") != std::string::npos);
        QVERIFY(m.histogram.has_value());
        QCOMPARE(static_cast<int>(m.histogram->pCorrect.size()), 24);
    }

    // The PDF's text: the comparison table line by line as `compare` prints it, the model's hashes on
    // the cover, the reproduction command, the run ids.
    void demoPdfText() {
        const QString all = squeezed(pdfText(pdf_));
        const QString table = q(compare::formatTable(demo_.at("comparison")));
        int lines = 0;
        for (const QString& line : table.split(QLatin1Char('\n'))) {
            const QString l = squeezed(line);
            if (l.isEmpty()) continue;
            QVERIFY2(all.contains(l), qPrintable(QStringLiteral("missing line: ") + l));
            ++lines;
        }
        QVERIFY(lines > 30);
        auto ws = workspace::Workspace::open(ws_.toStdString());
        const auto models = ws.models();
        QCOMPARE(static_cast<int>(models.size()), 1);
        const QString cover = squeezed(pdfText(pdf_, 1));
        QVERIFY2(cover.contains(q(models.front().weightsHash)), qPrintable(cover.left(2000)));
        QVERIFY(cover.contains(q(models.front().configHash)));
        QVERIFY(all.contains(QStringLiteral("prominence-cli demo --workspace")));
        QVERIFY(all.contains(QStringLiteral("prominence-cli report --workspace")));
        QVERIFY(all.contains(QStringLiteral("compare run 8")));
        QVERIFY(pdfInfo(pdf_, QStringLiteral("Page size")).startsWith(QStringLiteral("595 x 842")));  // A4, whole points
    }

    // `report` on the same study: Letter paper, fewer neurons, JSON summary, metadata, the exports
    // row, every page rendered.
    void reportCommand() {
        const QString out = path(QStringLiteral("letter.pdf"));
        const test::CliResult r = cli({QStringLiteral("report"), QStringLiteral("--workspace"), ws_, QStringLiteral("--output"), out,
                                       QStringLiteral("--paper"), QStringLiteral("letter"), QStringLiteral("--top"), QStringLiteral("5")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const json s = json::parse(r.out.toStdString());
        const int pages = s.at("pages").get<int>();
        QVERIFY(pages >= 5);
        QCOMPARE(pdfInfo(out, QStringLiteral("Pages")).toInt(), pages);
        QVERIFY(pdfInfo(out, QStringLiteral("Page size")).startsWith(QStringLiteral("612 x 792")));
        QCOMPARE(pdfInfo(out, QStringLiteral("Title")), q(s.at("title").get<std::string>()));
        QCOMPARE(s.at("study_run").get<int>(), 1);
        QCOMPARE(q(s.at("paper").get<std::string>()), QStringLiteral("letter"));
        // Contents: sections in page order, every page within the document.
        int last = 0;
        for (const auto& c : s.at("contents")) {
            QVERIFY(c.at("page").get<int>() >= last && c.at("page").get<int>() <= pages);
            last = c.at("page").get<int>();
        }
        QVERIFY(s.at("contents").size() >= 5);
        // "page N of M" on every page.
        for (int page = 1; page <= pages; ++page)
            QVERIFY2(squeezed(pdfText(out, page)).contains(QStringLiteral("%1 of %2").arg(page).arg(pages)), qPrintable(QString::number(page)));

        auto ws = workspace::Workspace::open(ws_.toStdString());
        bool recorded = false;
        for (const auto& e : ws.exports())
            if (e.kind == "report_pdf" && q(e.path) == QFileInfo(out).absoluteFilePath()) {
                recorded = true;
                QCOMPARE(e.meta.at("pages").get<int>(), pages);
                QCOMPARE(e.id, s.at("export_id").get<workspace::Id>());
                QCOMPARE(e.runId.value_or(0), workspace::Id{1});
            }
        QVERIFY(recorded);

        const QString prefix = path(QStringLiteral("page"));
        tool(QStringLiteral("pdftoppm"), {QStringLiteral("-r"), QStringLiteral("20"), QStringLiteral("-png"), out, prefix});
        const QStringList pngs = QDir(dir_).entryList({QStringLiteral("page-*.png")}, QDir::Files);
        QCOMPARE(pngs.size(), pages);
        for (const QString& png : pngs) {
            const QImage img(dir_ + QStringLiteral("/") + png);
            QVERIFY(!img.isNull());
            QSet<QRgb> colours;
            for (int y = 0; y < img.height(); y += 2)
                for (int x = 0; x < img.width(); x += 2) colours.insert(img.pixel(x, y));
            QVERIFY2(colours.size() > 2, qPrintable(png));  // not a blank page
        }
    }

    // --comparison ID reports the study the comparison belongs to.
    void comparisonSelectsItsStudy() {
        const QString out = path(QStringLiteral("cmp.pdf"));
        const test::CliResult r = cli({QStringLiteral("report"), QStringLiteral("--workspace"), ws_, QStringLiteral("--comparison"),
                                       QStringLiteral("1"), QStringLiteral("--output"), out, QStringLiteral("--no-effects")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const json s = json::parse(r.out.toStdString());
        QCOMPARE(s.at("study_run").get<int>(), 1);
        QCOMPARE(q(s.at("study_kind").get<std::string>()), QStringLiteral("demo"));
    }

    void badInputs_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("output");
        QTest::addColumn<QString>("message");
        QTest::addColumn<int>("code");
        const QString out = path(QStringLiteral("bad.pdf"));
        QTest::newRow("missing workspace") << QStringList{QStringLiteral("--workspace"), path(QStringLiteral("none.prominence"))} << out
                                           << QStringLiteral("no workspace at") << 2;
        QTest::newRow("unknown run") << QStringList{QStringLiteral("--workspace"), ws_, QStringLiteral("--run"), QStringLiteral("9999")} << out
                                     << QStringLiteral("run 9999 is not in") << 2;
        QTest::newRow("not a study") << QStringList{QStringLiteral("--workspace"), ws_, QStringLiteral("--run"), QStringLiteral("2")} << out
                                     << QStringLiteral("is a eval run") << 2;
        QTest::newRow("run and comparison") << QStringList{QStringLiteral("--workspace"), ws_, QStringLiteral("--run"), QStringLiteral("1"),
                                                           QStringLiteral("--comparison"), QStringLiteral("1")}
                                            << out << QStringLiteral("not both") << 2;
        QTest::newRow("unknown comparison") << QStringList{QStringLiteral("--workspace"), ws_, QStringLiteral("--comparison"), QStringLiteral("77")}
                                            << out << QStringLiteral("77") << 1;
        QTest::newRow("bad paper") << QStringList{QStringLiteral("--workspace"), ws_, QStringLiteral("--paper"), QStringLiteral("a5")} << out
                                   << QStringLiteral("expected a4 or letter") << 2;
        QTest::newRow("missing directory") << QStringList{QStringLiteral("--workspace"), ws_} << path(QStringLiteral("no/such/dir/r.pdf"))
                                           << QStringLiteral("does not exist") << 2;
        QTest::newRow("output is a directory") << QStringList{QStringLiteral("--workspace"), ws_} << dir_ << QStringLiteral("is a directory") << 2;
        QTest::newRow("output is the workspace") << QStringList{QStringLiteral("--workspace"), ws_} << ws_
                                                 << QStringLiteral("is the workspace itself") << 2;
    }

    void badInputs() {
        QFETCH(QStringList, args);
        QFETCH(QString, output);
        QFETCH(QString, message);
        QFETCH(int, code);
        const qint64 wsSize = QFileInfo(ws_).size();
        const int exportsBefore = static_cast<int>(workspace::Workspace::open(ws_.toStdString()).exports().size());
        const test::CliResult r = cli(QStringList{QStringLiteral("report")} + args + QStringList{QStringLiteral("--output"), output});
        QCOMPARE(r.code, code);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        if (output != dir_ && output != ws_) QVERIFY(nothingWritten(output));
        QCOMPARE(QFileInfo(ws_).size(), wsSize);  // the workspace was not touched
        QCOMPARE(static_cast<int>(workspace::Workspace::open(ws_.toStdString()).exports().size()), exportsBefore);
    }

    // A run that is still running (this process holds it open) is refused.
    void unfinishedRunRefused() {
        auto ws = workspace::Workspace::open(ws_.toStdString());
        workspace::RunStart start;
        start.kind = "attribution";
        start.name = "still running";
        const workspace::Id id = ws.beginRun(start);
        const QString out = path(QStringLiteral("running.pdf"));
        const test::CliResult r = cli({QStringLiteral("report"), QStringLiteral("--workspace"), ws_, QStringLiteral("--run"), QString::number(id),
                                       QStringLiteral("--output"), out});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QStringLiteral("not completed")), qPrintable(r.err));
        QVERIFY(nothingWritten(out));
        ws.failRun(id, "test over");
    }

    // A pipeline's report: its run --config command and its comparison.
    void pipelineReport() {
        const std::string lab = lab_.toStdString();
        const json config = {{"name", "lab-pipeline"},
                             {"workspace", path(QStringLiteral("pipeline.prominence")).toStdString()},
                             {"model", lab + "/model"},
                             {"seed", 0},
                             {"eval", {{"scoring", "letter"}}},
                             {"source", {{"name", "source"}, {"path", lab + "/benchmarks/source.jsonl"}}},
                             {"references", {{{"name", "member"}, {"path", lab + "/benchmarks/member.jsonl"}}}},
                             {"select", {{"threshold", 0.0}}},
                             {"attribution", {{"steps", 2}}},
                             {"prune", {{"policy", "global_top_k"}, {"k", 4}}},
                             {"finetune", {{"shots", 2}, {"pool", 4}, {"max_steps", 1}, {"batch_size", 2}}},
                             {"compare",
                              {{"seeds", {1}},
                               {"conditions", {"before", "method", "finetune_only"}},
                               {"bootstrap", {{"resamples", 20}}},
                               {"keep_checkpoints", false}}}};
        const QString file = path(QStringLiteral("pipeline.json"));
        std::ofstream(file.toStdString()) << config.dump(2);
        const test::CliResult run = cli({QStringLiteral("run"), QStringLiteral("--config"), file});
        QVERIFY2(run.code == 0, qPrintable(run.err));
        const QString out = path(QStringLiteral("pipeline.pdf"));
        const test::CliResult r = cli({QStringLiteral("report"), QStringLiteral("--workspace"), path(QStringLiteral("pipeline.prominence")),
                                       QStringLiteral("--output"), out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const json s = json::parse(r.out.toStdString());
        QCOMPARE(q(s.at("study_kind").get<std::string>()), QStringLiteral("pipeline"));
        QCOMPARE(s.at("headline").at("pruned").get<int>(), 4);
        const QString text = squeezed(pdfText(out));
        QVERIFY2(text.contains(squeezed(QStringLiteral("prominence-cli run --config ") + file)), qPrintable(text.right(3000)));
        auto ws = workspace::Workspace::open(path(QStringLiteral("pipeline.prominence")).toStdString());
        const auto cmp = ws.comparisons();
        QCOMPARE(static_cast<int>(cmp.size()), 1);
        for (const QString& line : q(compare::formatTable(cmp.front().table)).split(QLatin1Char('\n')))
            if (!squeezed(line).isEmpty()) QVERIFY2(text.contains(squeezed(line)), qPrintable(line));
    }
};

QTEST_GUILESS_MAIN(TestReport)
#include "test_report.moc"
