#include "core/study/demo_step.h"

#include <fstream>

#include "core/lab/recipe.h"
#include "core/system/runtime.h"

namespace prominence::study {

namespace {

// Thread settings for the lab for the duration of the step, the previous ones back afterwards.
class LabThreads {
public:
    explicit LabThreads(bool on) : on_(on), before_(currentThreadSettings()) {
        if (on_) applyThreadSettings({1, 1});
    }
    ~LabThreads() {
        if (on_) applyThreadSettings(before_);
    }
    LabThreads(const LabThreads&) = delete;
    LabThreads& operator=(const LabThreads&) = delete;

private:
    bool on_;
    ThreadSettings before_;
};

}  // namespace

lab::DemoOptions demoOptions(const std::string& design, bool tiny) {
    if (design != "pair" && design != "reserved") throw ParamsError("--lab " + design + ": expected pair or reserved");
    lab::DemoOptions o = tiny ? lab::DemoOptions::tiny() : lab::DemoOptions::defaults();
    if (design == "reserved") {
        if (tiny) {  // the design on the miniature's sizes
            o.recipe.useReservedNeuronDesign(8);
            o.recipe.skillSteps = 4;
        } else {
            o.recipe = lab::LabRecipe::reservedNeurons();
        }
    }
    return o;
}

void DemoParams::validate() const {
    if (options.seeds < 1)
        throw ParamsError("--seeds " + std::to_string(options.seeds) +
                          ": expected an integer >= 1");
    if (!(options.prunePercent > 0 && options.prunePercent <= 100))
        throw ParamsError("--prune-percent " + std::to_string(options.prunePercent) +
                          ": expected a value in (0, 100]");
}

DemoResult runDemo(const DemoParams& p, Progress& progress, const Log&) {
    p.validate();
    const LabThreads threads(p.labThreads);
    const lab::DemoOptions& o = p.options;
    DemoResult out;
    if (p.buildOnly) {
        const lab::LabBuild b = lab::buildLab(
            o.recipe, o.cacheRoot.empty() ? lab::defaultCacheRoot() : o.cacheRoot, progress);
        out.summary = {{"lab_dir", b.dir},
                       {"built_now", !b.fromCache},
                       {"seconds", b.seconds},
                       {"lab", b.info},
                       {"behaviour", lab::measureLab(b, o.confidence, progress)}};
        return out;
    }
    const lab::DemoResult r = lab::runShortcutLab(o, progress);
    out.report = lab::formatDemoReport(r);
    out.summary = r.toJson();
    out.workspaceRunId = r.workspaceRunId;
    if (!p.jsonPath.empty()) {
        std::ofstream f(p.jsonPath);
        if (!f || !(f << out.summary.dump(2) << "\n"))
            throw StorageError("demo: cannot write '" + p.jsonPath + "'");
    }
    return out;
}

}  // namespace prominence::study
