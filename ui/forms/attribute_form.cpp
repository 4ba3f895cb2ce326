// The attribution form: Integrated Gradients over a stored selection, every IG parameter with the
// CLI's default, reference selections or runs for the contrast.
#include <QStringList>

#include "core/attribution/contrast.h"
#include "core/attribution/integration.h"
#include "core/attribution/params.h"
#include "core/study/attribute_step.h"
#include "core/study/command_line.h"
#include "ui/forms/step_forms.h"
#include "ui/jobs/command_text.h"
#include "ui/main_window.h"

namespace prominence::ui {

namespace {

using namespace prominence::attribution;

QString qs(const std::string& s) { return QString::fromStdString(s); }


class AttributeForm : public StepForm {
public:
    explicit AttributeForm(MainWindow* w) : StepForm(QStringLiteral("attribute"), tr("Attribute a selection"), w) {
        const study::AttributeParams d;
        addRef(QStringLiteral("selection"), tr("Selection"),
               tr("The in-domain dataset: a stored selection of high-confidence items"), RefKind::Selection);
        addRefList(QStringLiteral("reference-selections"), tr("Reference selections"),
                   tr("Other datasets' selections, attributed here with the same parameters; the contrast finds the "
                      "neurons that matter for the selection but not for these"),
                   RefKind::Selection);
        addRefList(QStringLiteral("reference-runs"), tr("Reference runs"),
                   tr("Finished attribution runs used as references without recomputing them"),
                   RefKind::CompletedAttributionRun);
        addPath(QStringLiteral("model"), tr("Model"), tr("Checkpoint directory; empty: the model of the selection's eval run"),
                PathKind::Directory);
        addSection(tr("Integrated Gradients"));
        addInt(QStringLiteral("steps"), tr("Steps"), tr("Integration steps"), 1, 4096, d.attribution.ig.steps);
        addChoice(QStringLiteral("rule"), tr("Rule"), tr("Integration rule (Captum's names)"),
                  {QStringLiteral("gausslegendre"), QStringLiteral("riemann_left"), QStringLiteral("riemann_right"),
                   QStringLiteral("riemann_middle"), QStringLiteral("riemann_trapezoid")},
                  qs(ruleName(d.attribution.ig.rule)));
        addChoice(QStringLiteral("objective"), tr("Objective"),
                  tr("logprob / prob of the gold option's answer token, or margin: its logit minus the best other option's"),
                  {QStringLiteral("logprob"), QStringLiteral("prob"), QStringLiteral("margin")},
                  qs(objectiveName(d.attribution.objective)));
        addChoice(QStringLiteral("positions"), tr("Positions"),
                  tr("last: scale only the prediction position's activation; all: every position by one alpha"),
                  {QStringLiteral("last"), QStringLiteral("all")}, qs(positionModeName(d.attribution.positions)));
        addChoice(QStringLiteral("baseline"), tr("Baseline"),
                  tr("zero, or mean: the mean activation over the items of every selection of this job"),
                  {QStringLiteral("zero"), QStringLiteral("mean")}, qs(baselineName(d.attribution.baseline)));
        addText(QStringLiteral("layers"), tr("Layers"), tr("Layers to attribute: all, or indices like 0,3,5"), QStringLiteral("all"));
        addInt(QStringLiteral("chunk"), tr("Chunk"), tr("Path steps evaluated at once (bounds memory); 0 = all at once"), 0, 4096,
               d.attribution.ig.chunkSize);
        addDouble(QStringLiteral("freq-threshold"), tr("Frequency threshold"),
                  tr("A neuron counts for an item when its IG ≥ t × the item's largest IG (Dai et al.)"), 0.0, 1.0,
                  d.aggregate.frequencyThreshold, 3);
        addFlag(QStringLiteral("no-vectors"), tr("Store only f, delta and flags per item (no vectors; no resume)"),
                tr("Keeps the workspace small; the neuron inspector's top items and Resume need the vectors"), !d.storeVectors);
        addSection(tr("Contrast (with references)"));
        addChoice(QStringLiteral("contrast"), tr("Method"), tr("difference | ratio | top_set_difference (docs/method.md)"),
                  {QStringLiteral("difference"), QStringLiteral("ratio"), QStringLiteral("top_set_difference")},
                  qs(contrastMethodName(d.contrast.method)));
        addChoice(QStringLiteral("statistic"), tr("Statistic"), tr("Matrix the contrast uses"),
                  {QStringLiteral("mean_ig"), QStringLiteral("mean_abs_ig"), QStringLiteral("frequency")},
                  qs(statisticName(d.contrast.statistic)));
        addDouble(QStringLiteral("top-percent"), tr("Top %"), tr("top_set_difference: top q% in-domain, not in any reference's top q%"),
                  0.001, 100.0, d.contrast.topPercentIn, 3);
        addText(QStringLiteral("exclude-layers"), tr("Excluded layers"), tr("Layers never selected and left out of normalisation, e.g. 0"));
        addInt(QStringLiteral("top"), tr("Top neurons listed"), tr("The contrast's top neurons in the result"), 1, 100000,
               static_cast<int>(d.top));
        addText(QStringLiteral("name"), tr("Run name"), tr("Name of the attribution run; empty: attribution/<dataset>/<selection>"));
        finish();
    }

    study::AttributeParams params() const {
        study::AttributeParams p;
        p.workspacePath = workspace();
        p.selectionId = value(QStringLiteral("selection")).toLongLong();
        if (p.selectionId <= 0) throw InvalidArgument("choose a selection (Steps ▸ Select High-Confidence Items)");
        p.referenceSelections = ids(QStringLiteral("reference-selections"));
        p.referenceRuns = ids(QStringLiteral("reference-runs"));
        p.modelDir = str(QStringLiteral("model")).toStdString();
        p.attribution.ig.steps = static_cast<int>(integer(QStringLiteral("steps")));
        p.attribution.ig.rule = parseRule(str(QStringLiteral("rule")).toStdString());
        p.attribution.objective = parseObjective(str(QStringLiteral("objective")).toStdString());
        p.attribution.positions = parsePositionMode(str(QStringLiteral("positions")).toStdString());
        p.attribution.baseline = parseBaseline(str(QStringLiteral("baseline")).toStdString());
        p.attribution.ig.chunkSize = static_cast<int>(integer(QStringLiteral("chunk")));
        p.attribution.layers = parseLayerList(str(QStringLiteral("layers")), "layers");
        p.aggregate.frequencyThreshold = real(QStringLiteral("freq-threshold"));
        p.storeVectors = !flag(QStringLiteral("no-vectors"));
        p.contrast.method = parseContrastMethod(str(QStringLiteral("contrast")).toStdString());
        p.contrast.statistic = parseStatistic(str(QStringLiteral("statistic")).toStdString());
        p.contrast.topPercentIn = p.contrast.topPercentRef = real(QStringLiteral("top-percent"));
        p.contrast.excludeLayers = parseLayerList(str(QStringLiteral("exclude-layers")), "excluded layers");
        p.top = integer(QStringLiteral("top"));
        p.name = str(QStringLiteral("name")).toStdString();
        p.validate();
        return p;
    }

    QStringList command() const override { return toQStringList(study::commandLine(params())); }

protected:
    JobSpec buildJob() const override {
        const study::AttributeParams p = params();
        const auto* sel = snapshot().selection(p.selectionId);
        return stepJob(tr("Attribute selection %1%2").arg(p.selectionId).arg(sel ? QStringLiteral(" (") + qs(sel->name) + QStringLiteral(")") : QString()),
                       [p](Progress& progress, const auto& log) {
                           return nlohmann::json(study::runAttribute(p, progress, log).summary);
                       });
    }
};

}  // namespace

StepForm* makeAttributeForm(MainWindow* w) { return new AttributeForm(w); }

}  // namespace prominence::ui
