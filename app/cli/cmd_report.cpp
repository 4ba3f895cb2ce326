// prominence-cli report: a PDF of one study of a workspace (ui/report: core's report model drawn by
// the Qt report library, which this command needs; a build without Qt says so).
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "app/cli/study_call.h"
#include "core/study/report_model.h"
#ifdef PROMINENCE_WITH_REPORT
#include "ui/report/report_job.h"
#endif

namespace prominence::cli {
namespace {

int reportCommand(const Args& args, Context& ctx) {
#ifdef PROMINENCE_WITH_REPORT
    ui::report::ReportJobParams p;
    p.report.workspacePath = args.get("workspace");
    if (args.has("run")) p.report.runId = args.getInt("run");
    if (args.has("comparison")) p.report.comparisonId = args.getInt("comparison");
    p.report.top = static_cast<int>(args.getInt("top"));
    p.report.directEffects = !args.flag("no-effects");
    p.outputPath = args.get("output");
    p.paper = callStudy([&] { return ui::report::parsePaper(args.get("paper")); });
    ui::report::ApplicationScope app;
    Progress progress(stderrProgress());
    const ui::report::ReportJobResult r = callStudy([&] { return ui::report::runReport(p, progress, stderrLog(ctx)); });
    ctx.out << r.summary.dump(2) << "\n";
    return 0;
#else
    (void)args;
    (void)ctx;
    throw UsageError("report needs the Qt build of Prominence (PROMINENCE_WITH_QT=ON): the PDF is drawn with Qt");
#endif
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "report",
    "write a PDF report of a study: what was found, how, and how to reproduce it",
    "The study is a demo, pipeline, compare or attribution run (--run), or a stored comparison\n"
    "(--comparison); without either, the newest completed demo or pipeline run (else compare, else\n"
    "attribution run). Pages: cover (model with hashes, benchmarks, machine), contents, summary, every\n"
    "parameter of every step (defaults marked), figures (contrast heatmap with the mask, pruned neurons per\n"
    "layer, the source's p(correct) histogram with the threshold, the comparison's bars with 95% CIs, the\n"
    "Shortcut Lab's probe and ground truth), the top neurons with the items behind them and their direct\n"
    "output effect, the comparison table as `compare` prints it with McNemar's counts, and the commands\n"
    "that reproduce the study. The PDF is written beside the output and renamed into place when complete;\n"
    "the export is recorded in the workspace's exports table. Prints a JSON summary (pages, contents,\n"
    "headline numbers). Needs no display (renders offscreen). docs/report.md.",
    {
        {"workspace", "W", "the workspace (*.prominence)", "", true, false},
        {"run", "ID", "the study run: demo, pipeline, compare or attribution", "", false, false},
        {"comparison", "ID", "a stored comparison (its compare run's study)", "", false, false},
        {"output", "R.pdf", "the PDF to write", "", true, false},
        {"paper", "a4|letter", "page size", "a4", false, false},
        {"top", "N", "top neurons listed", defaultText(study::ReportParams{}.top), false, false},
        {"no-effects", "", "do not load the model for the top neurons' direct output effects", "", false, false},
    },
    reportCommand});

}  // namespace prominence::cli
