// prominence-cli demo: the Shortcut Lab end to end (docs/shortcut-lab.md; study::runDemo).
#include <cstdlib>
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "app/cli/study_call.h"
#include "core/study/demo_step.h"
#include "core/system/runtime.h"
#ifdef PROMINENCE_WITH_REPORT
#include "ui/report/report_job.h"
#endif

namespace prominence::cli {
namespace {

int runDemo(const Args& args, Context& ctx) {
    applyCommonOptions(args);
    // The lab model is tiny: its matrices are too small for intra-op or BLAS threads, and the lab trains
    // with two data-parallel shards instead (bench: docs/shortcut-lab.md). Unless the user chose thread
    // counts (flags or PROMINENCE_THREADS / PROMINENCE_BLAS_THREADS), one thread each.
    {
        ThreadSettings lab;
        if (!args.has("threads") && std::getenv("PROMINENCE_THREADS") == nullptr) lab.intraOp = 1;
        if (!args.has("blas-threads") && std::getenv("PROMINENCE_BLAS_THREADS") == nullptr) lab.blas = 1;
        if (lab.intraOp != 0 || lab.blas != 0) applyThreadSettings(lab);
    }
    const std::string design = args.get("lab");
    lab::DemoOptions o = callStudy([&] { return study::demoOptions(design, args.flag("tiny")); });
    if (args.has("recipe")) {
        const std::string path = args.get("recipe");
        o.recipe = lab::LabRecipe::fromJson(readJsonFile(path), path, o.recipe);
    }
    if (args.has("seeds")) o.seeds = static_cast<int>(args.getInt("seeds"));
    if (args.has("prune-percent")) o.prunePercent = args.getDouble("prune-percent");
    if (args.has("exclude-layers")) {
        o.contrast.excludeLayers.clear();
        const std::string text = args.get("exclude-layers");
        if (text != "none") {
            std::size_t start = 0;
            while (start <= text.size()) {
                const std::size_t end = std::min(text.find(',', start), text.size());
                const std::string part = text.substr(start, end - start);
                try {
                    std::size_t used = 0;
                    const int v = std::stoi(part, &used);
                    if (used != part.size() || v < 0) throw std::invalid_argument(part);
                    o.contrast.excludeLayers.push_back(v);
                } catch (const std::logic_error&) {
                    throw UsageError("--exclude-layers: expected layer indices (comma-separated) or none, got '" + part + "'");
                }
                start = end + 1;
            }
        }
    }
    if (o.seeds < 1) throw UsageError("--seeds " + args.get("seeds") + ": expected an integer >= 1");
    if (!(o.prunePercent > 0 && o.prunePercent <= 100))
        throw UsageError("--prune-percent " + args.get("prune-percent") + ": expected a value in (0, 100]");
    const std::string ftData = args.get("finetune-data");
    if (ftData != "tagged" && ftData != "untagged")
        throw UsageError("--finetune-data " + ftData + ": expected tagged or untagged");
    o.untaggedFinetune = ftData == "untagged";
    o.workspacePath = args.get("workspace");
    o.cacheRoot = args.get("cache");
    study::DemoParams p;
    p.options = o;
    p.design = design;
    p.tiny = args.flag("tiny");
    p.labThreads = false;  // set above, flag by flag
    p.buildOnly = args.flag("build-only");
    p.jsonPath = args.get("json");
    const std::string reportPath = args.get("report");
#ifdef PROMINENCE_WITH_REPORT
    ui::report::ReportJobParams report;
    report.report.workspacePath = o.workspacePath;
    report.outputPath = reportPath;
    // Checked before the lab runs, so an unwritable path fails in a second, not after minutes.
    if (!reportPath.empty()) callStudy([&] { ui::report::checkOutput(report); });
#else
    if (!reportPath.empty())
        throw UsageError("--report needs the Qt build of Prominence (PROMINENCE_WITH_QT=ON): the PDF is drawn with Qt");
#endif
    if (!reportPath.empty() && p.buildOnly) throw UsageError("--report: --build-only runs no study to report");
    Progress progress(stderrProgress());
    const study::DemoResult r = callStudy([&] { return study::runDemo(p, progress, stderrLog(ctx)); });
    if (p.buildOnly) {
        ctx.out << r.summary.dump(2) << "\n";
        return 0;
    }
    ctx.out << r.report;
    ctx.err << "workspace: " << o.workspacePath << " (demo run " << r.workspaceRunId << ")\n";
#ifdef PROMINENCE_WITH_REPORT
    if (!reportPath.empty()) {
        report.report.runId = r.workspaceRunId;
        ui::report::ApplicationScope app;
        const ui::report::ReportJobResult written =
            callStudy([&] { return ui::report::runReport(report, progress, stderrLog(ctx)); });
        ctx.err << "report: " << written.path << " (" << written.pages << " pages, " << written.seconds << " s)\n";
    }
#endif
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "demo",
    "run the built-in Shortcut Lab: the whole method and every baseline on a model with a planted shortcut",
    "Builds (first run: about 3 CPU-minutes of pretraining) or reuses the lab's benchmarks and Llama model from the cache\n"
    "($XDG_CACHE_HOME/prominence/lab, or --cache), then per seed: letter eval, high-confidence selection,\n"
    "neuron IG (margin objective, mean baseline, all positions), contrast against the tag-free reference\n"
    "benchmarks, top --prune-percent of neurons pruned, few-shot fine-tuning with the mask\n"
    "held, and eval of every condition on every benchmark. Prints the comparison table with bootstrap\n"
    "intervals, the ground truth (how much the model follows the planted tags, before and after, and what\n"
    "ablating the chosen neurons alone does compared with random ones) and the wall time.\n"
    "--report R.pdf also writes the study's PDF report (as `prominence-cli report --run <demo run>`).",
    {
        {"workspace", "W", "workspace file to write (created if missing)", "shortcut-lab.prominence", false, false},
        {"seeds", "N", "seeds (fine-tuning data and order, IG item sample, random masks)", "5", false, false},
        {"prune-percent", "P", "percent of the selectable neurons (every layer not in --exclude-layers) the method prunes", "5", false, false},
        {"finetune-data", "tagged|untagged", "few-shot data: source_train (tags consistent) or member_train (no tags)", "tagged", false, false},
        {"exclude-layers", "L[,L]|none", "layers the contrast never selects", "none", false, false},
        {"cache", "DIR", "lab cache directory (default $XDG_CACHE_HOME/prominence/lab)", "", false, false},
        {"json", "OUT", "also write every number as JSON", "", false, false},
        {"report", "R.pdf", "also write the study's PDF report (docs/report.md)", "", false, false},
        {"lab", "pair|reserved", "lab design: pair (two tags, every parameter trains) or reserved (one tag, learned only by 64 reserved MLP neurons: its location is known)", "pair", false, false},
        {"recipe", "FILE", "JSON object overriding lab recipe fields (docs/shortcut-lab.md); a new recipe is built and cached", "", false, false},
        {"build-only", "", "build (or reuse) the lab and print its recipe, training curve and letter behaviour per benchmark as JSON", "", false, false},
        {"tiny", "", "a seconds-long miniature (tests and smoke checks; its numbers mean nothing)", "", false, false},
    },
    runDemo});

}  // namespace prominence::cli
