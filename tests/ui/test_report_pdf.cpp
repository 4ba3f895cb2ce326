// The report PDF drawn from a hand-filled ReportModel with small known numbers: the page count and
// metadata pdfinfo reads, the page size, the text pdftotext finds on the pages the contents name
// (numbers, the comparison table's lines, the reproduction command), and every page rendered by
// pdftoppm with each figure's area not blank.
#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "ui/report/report_pdf.h"

using namespace prominence;
using prominence::ui::report::Paper;
using prominence::ui::report::PdfInfo;

namespace {

QString run(const QString& program, const QStringList& args, bool* ok = nullptr) {
    QProcess p;
    p.start(program, args);
    const bool done = p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (ok) *ok = done;
    if (!done) {
        qWarning() << program << args << p.readAllStandardError();
        return QString();
    }
    return QString::fromUtf8(p.readAllStandardOutput());
}

QString pageText(const QString& pdf, int page) {
    return run(QStringLiteral("pdftotext"), {QStringLiteral("-layout"), QStringLiteral("-f"), QString::number(page), QStringLiteral("-l"),
                                             QString::number(page), pdf, QStringLiteral("-")});
}

QString squeeze(QString s) { return s.remove(QRegularExpression(QStringLiteral("\\s+"))); }

QString infoField(const QString& info, const QString& field) {
    const QRegularExpression re(QStringLiteral("^%1:\\s*(.*)$").arg(field), QRegularExpression::MultilineOption);
    return re.match(info).captured(1).trimmed();
}

int sectionPage(const PdfInfo& info, const std::string& name) {
    for (const auto& [s, p] : info.contents)
        if (s == name) return p;
    return 0;
}

study::ComparisonCell cell(const std::string& c, const std::string& b, bool source, double mean) {
    study::ComparisonCell x;
    x.condition = c;
    x.benchmark = b;
    x.source = source;
    x.seeds = 2;
    x.items = 40;
    x.mean = mean;
    x.sd = 0.0125;
    x.ciLow = mean - 0.0375;
    x.ciHigh = mean + 0.0375;
    return x;
}

const char* kCommand = "prominence-cli demo --workspace /tmp/report-test-ws --seed 7 --prune-percent 0.5 --finetune-steps 12";

study::ReportModel makeModel() {
    study::ReportModel m;
    m.title = "Tiny lab study on stories-test";
    m.generatedAt = "2026-12-03T20:00:00Z";
    m.prominenceVersion = "0.9.1";
    m.workspacePath = "/tmp/report-test-ws";
    m.studyRunId = 42;
    m.studyKind = "demo";
    m.studyName = "tiny-demo";
    workspace::ModelRecord r;
    r.path = "/models/stories-test";
    r.name = "stories-test";
    r.architecture = "llama";
    r.configHash = "cfg0c0ffee1234";
    r.weightsHash = "wts5eed5678abcd";
    m.model = r;
    m.parameterCount = 260417;
    for (auto [role, name, n] : {std::tuple{"source", "lab-source", 120}, {"reference", "lab-reference", 80}, {"transfer", "lab-transfer", 64}}) {
        study::ReportBenchmark b;
        b.role = role;
        b.record.name = name;
        b.record.path = std::string("/bench/") + name + ".jsonl";
        b.record.hash = std::string("hash-") + name;
        b.record.format = "jsonl";
        b.record.itemCount = n;
        m.benchmarks.push_back(b);
    }
    m.machine = {{"threads", 2}, {"blas", "openblas"}, {"device", "cpu"}, {"host", "testhost-77"}};
    m.summary = "Of 120 source items, 37 were answered with high confidence (p(correct) >= 0.8765); 5 neurons were pruned, "
                "3 in layer 0 and 2 in layer 1.";
    study::ReportStep eval;
    eval.runId = 43;
    eval.kind = "eval";
    eval.name = "source eval";
    eval.status = "completed";
    eval.params = {{"benchmark", "lab-source", false}, {"shots", "0", true}, {"scoring", "loglik", true}};
    eval.defaults = 2;
    study::ReportStep prune;
    prune.runId = 44;
    prune.kind = "prune";
    prune.status = "completed";
    std::string longValue;
    for (int i = 0; i < 300; ++i) longValue += "[" + std::to_string(i % 2) + "," + std::to_string(i) + "],";
    prune.params = {{"neurons", longValue, false}, {"percent", "0.5", false}};
    m.steps = {eval, prune};

    study::ReportHeatmap h;
    h.scoresId = 4;
    h.runId = 45;
    h.kind = "contrast_member_outlier";
    h.dataset = "lab-source";
    h.layers = 2;
    h.neurons = 64;
    for (int l = 0; l < 2; ++l)
        for (int n = 0; n < 64; ++n) h.scores.push_back(static_cast<float>(std::sin(0.3 * n + l) * (n == 17 ? 3.0 : 1.0)));
    h.maskId = 1;
    h.maskName = "method-mask";
    h.mask = {{0, 5}, {0, 17}, {0, 40}, {1, 3}, {1, 60}};
    h.prunedPerLayer = {3, 2};
    m.heatmap = h;

    study::ReportHistogram hist;
    hist.evalRunId = 43;
    hist.benchmark = "lab-source";
    for (int i = 0; i < 120; ++i) {
        hist.pCorrect.push_back(std::fmod(i * 0.137, 1.0));
        hist.correct.push_back(i % 3 != 0);
    }
    hist.selectionId = 2;
    hist.selectionName = "high-confidence";
    hist.selected = 37;
    hist.threshold = 0.8765;
    hist.criterion = R"({"min_p_correct":0.8765})";
    m.histogram = hist;

    study::ComparisonData d;
    d.runId = 46;
    d.comparisonId = 3;
    d.source = "lab-source";
    d.benchmarks = {"lab-source", "lab-reference", "lab-transfer"};
    d.conditions = {"before", "method", "finetune_only"};
    d.seeds = {1, 2};
    d.ciLevel = 0.95;
    d.pruned = 5;
    const double means[3][3] = {{0.5125, 0.6125, 0.5875}, {0.4625, 0.4875, 0.4750}, {0.3375, 0.3625, 0.3500}};
    for (int b = 0; b < 3; ++b)
        for (int c = 0; c < 3; ++c) d.cells.push_back(cell(d.conditions[c], d.benchmarks[b], b == 0, means[b][c]));
    for (int b = 0; b < 3; ++b) {
        study::PairedDifference p;
        p.a = "method";
        p.b = "finetune_only";
        p.benchmark = d.benchmarks[b];
        p.source = b == 0;
        p.items = 40;
        p.mean = 0.0250 - 0.0125 * b;
        p.ciLow = p.mean - 0.0200;
        p.ciHigh = p.mean + 0.0200;
        p.onlyA = 9 + b;
        p.onlyB = 4;
        p.exactP = 0.0312;
        p.chi2P = 0.0455;
        d.differences.push_back(p);
    }
    d.pairedLoaded = true;
    d.labRunId = 41;
    d.probe = {{"sweep", {{{"percent", 0.5}, {"method", {{"cue_following", 0.61}}}, {"random", {{"cue_following", {{"mean", 0.93}}}}}, {"oracle", {{"cue_following", 0.40}}}},
                          {{"percent", 1.0}, {"method", {{"cue_following", 0.42}}}, {"random", {{"cue_following", {{"mean", 0.92}}}}}, {"oracle", {{"cue_following", 0.21}}}}}},
               {"tags_removed", {{"cue_following", 0.18}}},
               {"baseline", {{"cue_following", 0.95}}}};
    d.groundTruth = {{"cue_following_by_condition", {{"method", {{"cue_following", {{"mean", 0.4321}, {"sd", 0.01}}}, {"conflict_accuracy", {{"mean", 0.55}, {"sd", 0.02}}}}}}},
                     {"reliance_before", {{"cue_following", 0.95}}}};
    m.comparison = d;
    m.comparisonText =
        "comparison 3 (compare run 46) seeds 1, 2, 95% CI\n"
        "condition        lab-source (in-domain)       lab-reference                lab-transfer                 items\n"
        "before           0.512 [0.475, 0.550] sd 0.013 0.463 [0.425, 0.500] sd 0.013 0.338 [0.300, 0.375] sd 0.013 40/40/40 extra-wide-column-tail-0001\n"
        "method           0.613 [0.575, 0.650] sd 0.013 0.487 [0.450, 0.525] sd 0.013 0.362 [0.325, 0.400] sd 0.013 40/40/40\n"
        "finetune_only    0.588 [0.550, 0.625] sd 0.013 0.475 [0.438, 0.512] sd 0.013 0.350 [0.312, 0.388] sd 0.013 40/40/40\n";

    for (int i = 0; i < 3; ++i) {
        study::ReportNeuron n;
        n.layer = i % 2;
        n.neuron = 17 + i;
        n.score = 2.9 - i * 0.5;
        n.rank = i + 1;
        n.pruned = i < 2;
        study::ReportNeuronItem it;
        it.itemIndex = 7 + i;
        it.itemId = "item-" + std::to_string(i);
        it.attribution = 0.125;
        it.question = "Which planted tag does the story carry number " + std::to_string(i) + "?";
        it.options = {"red tag", "blue tag", "no tag"};
        it.gold = 1;
        it.pred = 0;
        n.items = {it};
        n.up = {{11, " cat", 0.75}, {12, " dog", 0.5}};
        n.down = {{13, " sun", -0.625}};
        m.topNeurons.push_back(n);
    }
    m.neuronNote = "direct effects from the model at /models/stories-test";
    m.reproduction = {kCommand, "prominence-cli report --workspace /tmp/report-test-ws --run 42 --output report.pdf"};
    m.sources = {{"Contrast heatmap, pruned neurons per layer, top neurons", "scores 4 of attribution run 45; mask 1"},
                 {"p(correct) histogram", "eval run 43; selection 2"},
                 {"Comparison table and bars", "comparison 3 of compare run 46"},
                 {"Shortcut Lab ground truth and localisation probe", "lab run 41"}};
    m.notes = {"a note the report keeps: nothing left out"};
    return m;
}

double variance(const QImage& img, const QRect& r) {
    double sum = 0, sq = 0;
    int n = 0;
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x) {
            const double g = qGray(img.pixel(x, y));
            sum += g;
            sq += g * g;
            ++n;
        }
    if (n == 0) return 0;
    const double mean = sum / n;
    return sq / n - mean * mean;
}

}  // namespace

class TestReportPdf : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        // PROMINENCE_KEEP_TEST_OUTPUT=1 keeps the PDFs and page images to look at.
        if (qEnvironmentVariableIsSet("PROMINENCE_KEEP_TEST_OUTPUT")) {
            dir_.setAutoRemove(false);
            qInfo() << "output in" << dir_.path();
        }
    }
    void a4();
    void letter();
    void unwritable();
    void absentFigures();
    void workspaceReport();

private:
    void check(Paper paper, const QString& sizeText);
    QTemporaryDir dir_;
};

void TestReportPdf::check(Paper paper, const QString& sizeText) {
    QVERIFY(dir_.isValid());
    const study::ReportModel m = makeModel();
    const QString path = dir_.filePath(paper == Paper::A4 ? QStringLiteral("a4.pdf") : QStringLiteral("letter.pdf"));
    const PdfInfo info = ui::report::writeReportPdf(m, path.toStdString(), {paper});
    QVERIFY(info.pages >= 6);

    const QString pdfinfo = run(QStringLiteral("pdfinfo"), {path});
    QCOMPARE(infoField(pdfinfo, QStringLiteral("Pages")).toInt(), info.pages);
    QCOMPARE(infoField(pdfinfo, QStringLiteral("Title")), QString::fromStdString(m.title));
    QCOMPARE(infoField(pdfinfo, QStringLiteral("Author")), QStringLiteral("Prominence"));
    QCOMPARE(infoField(pdfinfo, QStringLiteral("Subject")), QStringLiteral("Prominence report: demo run 42"));
    QVERIFY2(infoField(pdfinfo, QStringLiteral("Creator")).startsWith(QStringLiteral("Prominence 0.9.1")), qPrintable(pdfinfo));
    QVERIFY2(infoField(pdfinfo, QStringLiteral("Page size")).startsWith(sizeText), qPrintable(pdfinfo));

    // The contents: every section in order, on increasing pages, and the contents page lists them.
    const std::vector<std::string> order = {"Summary", "Method and parameters", "Figures", "Top neurons", "Comparison", "Reproduction"};
    QCOMPARE(info.contents.size(), order.size());
    int last = 0;
    for (std::size_t i = 0; i < order.size(); ++i) {
        QCOMPARE(info.contents[i].first, order[i]);
        QVERIFY(info.contents[i].second >= last);
        last = info.contents[i].second;
    }
    const QString contents = pageText(path, 2);
    for (const auto& [s, p] : info.contents)
        QVERIFY2(contents.contains(QRegularExpression(QStringLiteral("%1\\s+%2\\s*\\n").arg(QRegularExpression::escape(QString::fromStdString(s))).arg(p))),
                 qPrintable(contents));

    // Every page carries its header and footer.
    for (int p = 1; p <= info.pages; ++p)
        QVERIFY2(pageText(path, p).contains(QStringLiteral("page %1 of %2").arg(p).arg(info.pages)), qPrintable(QString::number(p)));

    const QString cover = squeeze(pageText(path, 1));
    for (const char* s : {"cfg0c0ffee1234", "wts5eed5678abcd", "260,417", "hash-lab-transfer", "testhost-77", "/tmp/report-test-ws", "openblas"})
        QVERIFY2(cover.contains(QString::fromUtf8(s)), s);
    QVERIFY(squeeze(pageText(path, sectionPage(info, "Summary"))).contains(QStringLiteral("p(correct)>=0.8765")));

    // The 600-odd character parameter value wraps within the page (every part of it is there) and
    // its neighbours are marked as defaults.
    QString method;
    for (int p = sectionPage(info, "Method and parameters"); p < sectionPage(info, "Figures"); ++p) method += pageText(path, p);
    if (sectionPage(info, "Method and parameters") == sectionPage(info, "Figures")) method = pageText(path, sectionPage(info, "Figures"));
    QVERIFY(squeeze(method).contains(squeeze(QString::fromStdString(m.steps[1].params[0].value))));
    QVERIFY(method.contains(QRegularExpression(QStringLiteral("shots\\s+0\\s+default"))));

    const QString comparison = pageText(path, sectionPage(info, "Comparison"));
    for (const QString& line : QString::fromStdString(m.comparisonText).split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        QVERIFY2(squeeze(comparison).contains(squeeze(line)), qPrintable(line));
    // The widest line is drawn whole on one line (scaled, never clipped or wrapped).
    QVERIFY(comparison.contains(QStringLiteral("extra-wide-column-tail-0001")));
    QVERIFY(squeeze(comparison).contains(QString::fromStdString(squeeze(QString::fromStdString(study::formatDifference(m.comparison->differences[0]))).toStdString() + "*")));
    QVERIFY(comparison.contains(QRegularExpression(QStringLiteral("method − finetune_only\\s+lab-transfer\\s+40"))));

    QString repro;
    for (int p = sectionPage(info, "Reproduction"); p <= info.pages; ++p) repro += pageText(path, p);
    QVERIFY(squeeze(repro).contains(squeeze(QString::fromUtf8(kCommand))));
    QVERIFY(squeeze(repro).contains(QStringLiteral("scores4ofattributionrun45;mask1")));

    QString neurons;
    for (int p = sectionPage(info, "Top neurons"); p < sectionPage(info, "Comparison"); ++p) neurons += pageText(path, p);
    QVERIFY(neurons.contains(QStringLiteral("0:17")));
    QVERIFY(neurons.contains(QStringLiteral("[gold]")));
    QVERIFY(neurons.contains(QStringLiteral("“ cat” +0.750")));

    // Every page renders; each figure's area has content, and the heatmap shows both signs.
    QCOMPARE(info.figures.size(), std::size_t{5});
    QStringList names;
    for (const auto& f : info.figures) names << QString::fromStdString(f.name);
    QCOMPARE(names, (QStringList{QStringLiteral("Layer × neuron heatmap"), QStringLiteral("Pruned neurons per layer"), QStringLiteral("p(correct) histogram"),
                                 QStringLiteral("Accuracy per benchmark and condition"), QStringLiteral("Localisation probe")}));
    const QString prefix = dir_.filePath(paper == Paper::A4 ? QStringLiteral("a4-page") : QStringLiteral("letter-page"));
    bool rendered = false;
    run(QStringLiteral("pdftoppm"), {QStringLiteral("-r"), QStringLiteral("50"), path, prefix}, &rendered);
    QVERIFY(rendered);
    const int digits = QString::number(info.pages).size();
    for (int p = 1; p <= info.pages; ++p) {
        const QImage page(QStringLiteral("%1-%2.ppm").arg(prefix).arg(p, digits, 10, QLatin1Char('0')));
        QVERIFY2(!page.isNull(), qPrintable(QString::number(p)));
        QVERIFY(variance(page, page.rect()) > 0);
    }
    const double k = 50.0 / 72.0;
    for (const auto& f : info.figures) {
        const QImage page(QStringLiteral("%1-%2.ppm").arg(prefix).arg(f.page, digits, 10, QLatin1Char('0')));
        const QRect area(static_cast<int>(f.x * k), static_cast<int>(f.y * k), static_cast<int>(f.width * k), static_cast<int>(f.height * k));
        QVERIFY(page.rect().contains(area));
        QVERIFY2(variance(page, area) > 50, f.name.c_str());
        if (f.name == "Layer × neuron heatmap") {
            int red = 0, blue = 0;
            for (int y = area.top(); y <= area.bottom(); ++y)
                for (int x = area.left(); x <= area.right(); ++x) {
                    const QColor c = page.pixelColor(x, y);
                    red += c.red() > c.blue() + 60;
                    blue += c.blue() > c.red() + 60;
                }
            QVERIFY(red > 100);
            QVERIFY(blue > 100);
        }
    }
}

void TestReportPdf::a4() { check(Paper::A4, QStringLiteral("595 x 842 pts (A4)")); }

void TestReportPdf::letter() { check(Paper::Letter, QStringLiteral("612 x 792 pts (letter)")); }

void TestReportPdf::unwritable() {
    const study::ReportModel m = makeModel();
    const std::string path = dir_.filePath(QStringLiteral("missing-dir/r.pdf")).toStdString();
    try {
        ui::report::writeReportPdf(m, path, {});
        QFAIL("expected an error");
    } catch (const StorageError& e) {
        QVERIFY2(std::string(e.what()).find(path) != std::string::npos, e.what());
    }
    QVERIFY(!QFile::exists(QString::fromStdString(path)));
}

void TestReportPdf::absentFigures() {
    study::ReportModel m = makeModel();
    m.heatmap.reset();
    m.histogram.reset();
    m.comparison.reset();
    m.comparisonText.clear();
    const QString path = dir_.filePath(QStringLiteral("bare.pdf"));
    const PdfInfo info = ui::report::writeReportPdf(m, path.toStdString(), {});
    QVERIFY(info.figures.empty());
    const QString figures = pageText(path, sectionPage(info, "Figures"));
    for (const char* s : {"Layer × neuron heatmap — not drawn", "Pruned neurons per layer — not drawn", "p(correct) histogram — not drawn",
                          "Accuracy per benchmark and condition — not drawn"})
        QVERIFY2(figures.contains(QString::fromUtf8(s)), s);
    QVERIFY(pageText(path, sectionPage(info, "Comparison")).contains(QStringLiteral("The study has no comparison.")));
}

// A report of a real workspace, to look at: PROMINENCE_REPORT_WORKSPACE names it (optionally
// PROMINENCE_REPORT_RUN a run id, PROMINENCE_REPORT_OUT the PDF, PROMINENCE_REPORT_PAPER=letter).
void TestReportPdf::workspaceReport() {
    const QString ws = qEnvironmentVariable("PROMINENCE_REPORT_WORKSPACE");
    if (ws.isEmpty()) QSKIP("PROMINENCE_REPORT_WORKSPACE is not set");
    study::ReportParams params;
    params.workspacePath = ws.toStdString();
    if (qEnvironmentVariableIsSet("PROMINENCE_REPORT_RUN")) params.runId = qEnvironmentVariable("PROMINENCE_REPORT_RUN").toLongLong();
    const study::ReportModel m = study::buildReportModel(params);
    const QString out = qEnvironmentVariableIsSet("PROMINENCE_REPORT_OUT") ? qEnvironmentVariable("PROMINENCE_REPORT_OUT")
                                                                            : dir_.filePath(QStringLiteral("workspace.pdf"));
    const Paper paper = qEnvironmentVariable("PROMINENCE_REPORT_PAPER") == QStringLiteral("letter") ? Paper::Letter : Paper::A4;
    QElapsedTimer t;
    t.start();
    const PdfInfo info = ui::report::writeReportPdf(m, out.toStdString(), {paper});
    qInfo() << out << info.pages << "pages," << info.figures.size() << "figures in" << t.elapsed() << "ms";
    QCOMPARE(infoField(run(QStringLiteral("pdfinfo"), {out}), QStringLiteral("Pages")).toInt(), info.pages);
    if (!m.comparisonText.empty()) {
        const QString text = squeeze(pageText(out, sectionPage(info, "Comparison")) + pageText(out, sectionPage(info, "Comparison") + 1));
        for (const QString& line : QString::fromStdString(m.comparisonText).split(QLatin1Char('\n'), Qt::SkipEmptyParts))
            QVERIFY2(text.contains(squeeze(line)), qPrintable(line));
    }
}

QTEST_MAIN(TestReportPdf)
#include "test_report_pdf.moc"
