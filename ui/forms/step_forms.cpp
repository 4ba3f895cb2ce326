#include "ui/forms/step_forms.h"

#include "core/study/attribute_step.h"
#include "core/study/command_line.h"
#include "ui/jobs/command_text.h"

namespace prominence::ui {

const QVector<FormInfo>& stepForms() {
    static const QVector<FormInfo> forms = {
        {QStringLiteral("add-model"), QObject::tr("Add &Model…"), QObject::tr("Register a checkpoint directory (safetensors + config.json + tokenizer.json) in the workspace")},
        {QStringLiteral("add-benchmark"), QObject::tr("Add &Benchmark…"), QObject::tr("Register a multiple-choice benchmark file, with a live preview of its parsed items")},
        {QStringLiteral("eval"), QObject::tr("&Evaluate…"), QObject::tr("Score a benchmark with a model (letter or loglik) and store every item")},
        {QStringLiteral("select"), QObject::tr("&Select High-Confidence Items…"), QObject::tr("Store the correct items of an eval run the model is sure about")},
        {QStringLiteral("attribute"), QObject::tr("&Attribute…"), QObject::tr("Integrated Gradients for every MLP neuron over a selection, with the contrast against references")},
        {QStringLiteral("prune"), QObject::tr("&Prune…"), QObject::tr("Choose the neurons to prune from stored scores and store the mask")},
        {QStringLiteral("finetune"), QObject::tr("&Fine-tune…"), QObject::tr("Few-shot fine-tuning with the mask held at zero")},
        {QStringLiteral("compare"), QObject::tr("&Compare…"), QObject::tr("Every condition and baseline over seeds, in-domain and on transfer benchmarks")},
        {QStringLiteral("export"), QObject::tr("E&xport…"), QObject::tr("Write the pruned checkpoint as a Hugging Face directory")},
        {QStringLiteral("pipeline"), QObject::tr("&Run Pipeline Config…"), QObject::tr("Run a whole pipeline configuration (run --config)")},
        {QStringLiteral("demo"), QObject::tr("Shortcut &Lab…"), QObject::tr("The built-in Shortcut Lab, end to end")},
    };
    return forms;
}

StepForm* createStepForm(const QString& name, MainWindow* window) {
    if (name == QLatin1String("add-model")) return makeAddModelForm(window);
    if (name == QLatin1String("add-benchmark")) return makeAddBenchmarkForm(window);
    if (name == QLatin1String("eval")) return makeEvalForm(window);
    if (name == QLatin1String("select")) return makeSelectForm(window);
    if (name == QLatin1String("attribute")) return makeAttributeForm(window);
    return makeMethodForm(name, window);
}

JobSpec resumeAttributionJob(const QString& workspacePath, qint64 runId) {
    study::AttributeParams p;
    p.workspacePath = workspacePath.toStdString();
    p.resumeRunId = runId;
    JobSpec spec;
    spec.title = QObject::tr("Resume attribution run %1").arg(runId);
    spec.kind = QStringLiteral("attribute");
    spec.command = toQStringList(study::commandLine(p));
    spec.workspacePath = workspacePath;
    spec.work = [p](Progress& progress) { return nlohmann::json(study::runAttribute(p, progress).summary); };
    return spec;
}

}  // namespace prominence::ui
