// The forms of the method's later steps: prune, fine-tune, compare, export, a whole pipeline config,
// and the Shortcut Lab.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QStandardPaths>
#include <QVBoxLayout>

#include "core/compare/comparison.h"
#include "core/prune/selection.h"
#include "core/study/command_line.h"
#include "core/study/compare_step.h"
#include "core/study/demo_step.h"
#include "core/study/pipeline_step.h"
#include "core/study/export_step.h"
#include "core/study/finetune_step.h"
#include "core/study/prune_step.h"
#include "core/train/schedule.h"
#include "ui/forms/step_forms.h"
#include "ui/jobs/command_text.h"
#include "ui/main_window.h"
#include "ui/views/loss_plot.h"

namespace prominence::ui {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }


// The training fields shared by fine-tune and compare, read into train::TrainOptions.
class TrainingForm : public StepForm {
public:
    using StepForm::StepForm;

protected:
    void addTrainingFields() {
        const train::TrainOptions d;
        addSection(tr("Training"));
        addDouble(QStringLiteral("lr"), tr("Learning rate"), tr("Peak learning rate"), 1e-8, 1.0, d.adamw.lr, 6);
        addDouble(QStringLiteral("weight-decay"), tr("Weight decay"), tr("Decoupled weight decay (AdamW)"), 0.0, 1.0,
                  d.adamw.weightDecay, 4);
        addInt(QStringLiteral("epochs"), tr("Epochs"), tr("Passes over the few-shot items"), 1, 10000, d.epochs);
        addInt(QStringLiteral("max-steps"), tr("Max steps"), tr("Optimiser steps instead of epochs; 0 = use epochs"), 0,
               100000000, static_cast<int>(d.maxSteps));
        addInt(QStringLiteral("batch-size"), tr("Batch size"), tr("Examples per micro-batch"), 1, 4096, d.batchSize);
        addInt(QStringLiteral("grad-accumulation"), tr("Gradient accumulation"), tr("Micro-batches per optimiser step"), 1, 4096,
               d.gradAccumulation);
        addInt(QStringLiteral("warmup-steps"), tr("Warm-up steps"), tr("Linear warm-up steps"), 0, 100000000,
               static_cast<int>(d.warmupSteps));
        addChoice(QStringLiteral("schedule"), tr("Schedule"), tr("Learning-rate schedule after warm-up"),
                  {QStringLiteral("linear"), QStringLiteral("cosine"), QStringLiteral("constant")}, qs(train::scheduleName(d.schedule)));
        addDouble(QStringLiteral("max-grad-norm"), tr("Clip gradient norm"), tr("Global gradient-norm clip; 0 = off"), 0.0, 1e6,
                  d.maxGradNorm, 3);
    }

    train::TrainOptions trainOptions() const {
        train::TrainOptions o;
        o.adamw.lr = real(QStringLiteral("lr"));
        o.adamw.weightDecay = real(QStringLiteral("weight-decay"));
        o.epochs = static_cast<int>(integer(QStringLiteral("epochs")));
        o.maxSteps = integer(QStringLiteral("max-steps"));
        o.batchSize = static_cast<int>(integer(QStringLiteral("batch-size")));
        o.gradAccumulation = static_cast<int>(integer(QStringLiteral("grad-accumulation")));
        o.warmupSteps = integer(QStringLiteral("warmup-steps"));
        o.schedule = train::parseSchedule(str(QStringLiteral("schedule")).toStdString());
        o.maxGradNorm = real(QStringLiteral("max-grad-norm"));
        return o;
    }

    // A stored mask picker's value as the steps take it (its id, as text; empty for none).
    std::string maskValue(const QString& key) const {
        const qint64 id = value(key).toLongLong();
        return id > 0 ? std::to_string(id) : std::string();
    }
};

// ---------------------------------------------------------------------------------------------------
class PruneForm : public StepForm {
public:
    explicit PruneForm(MainWindow* w) : StepForm(QStringLiteral("prune"), tr("Prune: choose neurons and store the mask"), w) {
        const prune::PolicyParams d;
        addRef(QStringLiteral("scores"), tr("Scores from"), tr("A completed attribution run holding the neuron scores"),
               RefKind::CompletedAttributionRun);
        addText(QStringLiteral("kind"), tr("Score matrix"), tr("Matrix kind, e.g. contrast_piqa or mean_ig; empty: the run's contrast matrix"));
        addText(QStringLiteral("dataset"), tr("Dataset"), tr("The matrix's dataset, when the run holds several"));
        addChoice(QStringLiteral("policy"), tr("Policy"),
                  tr("layer_top_percent: top p% of one layer; per_layer_top_percent: top p% of every layer; global_top_k: "
                     "the k best anywhere; threshold: every score above t; explicit: the listed neurons"),
                  {QStringLiteral("per_layer_top_percent"), QStringLiteral("layer_top_percent"), QStringLiteral("global_top_k"),
                   QStringLiteral("threshold"), QStringLiteral("explicit")},
                  QStringLiteral("per_layer_top_percent"));
        addInt(QStringLiteral("layer"), tr("Layer"), tr("layer_top_percent: the layer"), 0, 1000, 0);
        addDouble(QStringLiteral("percent"), tr("Percent"), tr("Percent of a layer's neurons, (0, 100]"), 0.001, 100.0, 5.0, 3);
        addInt(QStringLiteral("k"), tr("k"), tr("global_top_k: how many neurons"), 1, 100000000, 50);
        addDouble(QStringLiteral("threshold"), tr("Threshold"), tr("threshold: scores above this"), -1e9, 1e9, 0.0, 6);
        addText(QStringLiteral("layers"), tr("Only layers"), tr("Restrict per-layer, global and threshold policies to these layers, e.g. 1,2,3"));
        addText(QStringLiteral("neurons"), tr("Neurons"), tr("explicit: L:N[,L:N...]"));
        addFlag(QStringLiteral("include-nonpositive"), tr("Allow neurons whose score is ≤ 0"),
                tr("By default only neurons more prominent in-domain (score > 0) can be chosen"), !d.positiveOnly);
        addText(QStringLiteral("mask"), tr("Mask name"), tr("Name of the stored mask"), QStringLiteral("mask"));
        addSection(tr("Also write the pruned checkpoint (optional)"));
        addPath(QStringLiteral("model"), tr("Model"), tr("Checkpoint directory (explicit policy: sets the shape)"), PathKind::Directory);
        addPath(QStringLiteral("output"), tr("Output directory"), tr("Write the pruned checkpoint here (needs the model)"),
                PathKind::SaveDirectory);
        addFlag(QStringLiteral("overwrite"), tr("Replace the output directory if it exists"), tr("Replace an existing output directory"), false);
        finish();
    }

    void valuesChanged() override {
        const QString policy = str(QStringLiteral("policy"));
        const bool explicitList = policy == QLatin1String("explicit");
        setFieldEnabled(QStringLiteral("layer"), policy == QLatin1String("layer_top_percent"));
        setFieldEnabled(QStringLiteral("percent"), policy.endsWith(QLatin1String("top_percent")));
        setFieldEnabled(QStringLiteral("k"), policy == QLatin1String("global_top_k"));
        setFieldEnabled(QStringLiteral("threshold"), policy == QLatin1String("threshold"));
        setFieldEnabled(QStringLiteral("neurons"), explicitList);
        for (const char* key : {"scores", "kind", "dataset", "layers", "include-nonpositive"})
            setFieldEnabled(QString::fromLatin1(key), !explicitList);
    }

    study::PruneParams params() const {
        study::PruneParams p;
        p.workspacePath = workspace();
        p.maskName = str(QStringLiteral("mask")).toStdString();
        p.policy.kind = prune::parsePolicy(str(QStringLiteral("policy")).toStdString());
        if (p.policy.kind == prune::PolicyKind::LayerTopPercent) p.policy.layer = static_cast<int>(integer(QStringLiteral("layer")));
        if (p.policy.kind == prune::PolicyKind::LayerTopPercent || p.policy.kind == prune::PolicyKind::PerLayerTopPercent)
            p.policy.percent = real(QStringLiteral("percent"));
        if (p.policy.kind == prune::PolicyKind::GlobalTopK) p.policy.k = integer(QStringLiteral("k"));
        if (p.policy.kind == prune::PolicyKind::Threshold) p.policy.threshold = real(QStringLiteral("threshold"));
        if (p.policy.kind == prune::PolicyKind::Explicit) p.policy.neurons = str(QStringLiteral("neurons")).toStdString();
        else p.policy.layers = parseLayerList(str(QStringLiteral("layers")), "only layers");
        p.policy.positiveOnly = !flag(QStringLiteral("include-nonpositive"));
        if (p.policy.kind != prune::PolicyKind::Explicit) {
            p.scoresRun = value(QStringLiteral("scores")).toLongLong();
            if (p.scoresRun <= 0) throw InvalidArgument("choose the attribution run whose scores to prune by");
            p.kind = str(QStringLiteral("kind")).toStdString();
            p.dataset = str(QStringLiteral("dataset")).toStdString();
        }
        p.modelDir = str(QStringLiteral("model")).toStdString();
        p.outputDir = str(QStringLiteral("output")).toStdString();
        p.overwrite = flag(QStringLiteral("overwrite"));
        p.validate();
        return p;
    }
    QStringList command() const override { return toQStringList(study::commandLine(params())); }

protected:
    JobSpec buildJob() const override {
        const study::PruneParams p = params();
        return stepJob(tr("Prune: mask %1").arg(qs(p.maskName)), [p](Progress& progress, const auto& log) {
            return study::runPrune(p, progress, log).summary;
        });
    }
};

// ---------------------------------------------------------------------------------------------------
class FinetuneForm : public TrainingForm {
public:
    explicit FinetuneForm(MainWindow* w) : TrainingForm(QStringLiteral("finetune"), tr("Fine-tune with the mask held"), w) {
        const study::FinetuneParams d;
        addPath(QStringLiteral("model"), tr("Model"), tr("Checkpoint directory"), PathKind::Directory);
        addPath(QStringLiteral("benchmark"), tr("Benchmark"), tr("The items come from it (or are kept apart from it, with a training file)"),
                PathKind::File);
        addPath(QStringLiteral("train-file"), tr("Training file"), tr("Draw the fine-tuning items from this file instead"), PathKind::File);
        addInt(QStringLiteral("shots"), tr("Shots"), tr("Fine-tuning items"), 1, 1000000, static_cast<int>(d.shots));
        addInt(QStringLiteral("validation"), tr("Validation items"), tr("Validation items; 0 = none"), 0, 1000000,
               static_cast<int>(d.validation));
        addChoice(QStringLiteral("scoring"), tr("Loss on"), tr("letter: the gold letter token; loglik: the gold continuation"),
                  {QStringLiteral("letter"), QStringLiteral("loglik")}, qs(train::answerStyleName(d.examples.style)));
        addFlag(QStringLiteral("add-bos"), tr("Prepend BOS to prompts (as eval's)"), tr("As eval --add-bos"), d.examples.addBos);
        addRef(QStringLiteral("mask"), tr("Mask"), tr("Stored prune mask held at exactly zero"), RefKind::Mask, true);
        addText(QStringLiteral("neurons"), tr("Or neurons"), tr("Neurons to prune and hold at zero: L:N[,L:N...]"));
        addTrainingFields();
        addInt(QStringLiteral("seed"), tr("Seed"), tr("Item draw, shuffling and torch seed"), 0, 2147483647, static_cast<int>(d.train.seed));
        addPath(QStringLiteral("output"), tr("Output directory"), tr("The fine-tuned checkpoint"), PathKind::SaveDirectory);
        addFlag(QStringLiteral("overwrite"), tr("Replace the output directory if it exists"), tr("Replace an existing output directory"), false);
        addSection(tr("Live view (while the job runs)"));
        auto* live = new QWidget(this);
        live->setObjectName(QStringLiteral("finetuneLive"));
        auto* liveLayout = new QVBoxLayout(live);
        liveLayout->setContentsMargins(0, 0, 0, 0);
        loss_ = new LossPlot(live);
        loss_->setObjectName(QStringLiteral("finetuneLossPlot"));
        loss_->setMinimumHeight(260);
        liveLayout->addWidget(loss_);
        stats_ = new QLabel(tr("Run the job to see the loss per step, the learning rate, the step time and the time left. "
                               "Cancel keeps the last finished step as a checkpoint beside the output directory."),
                            live);
        stats_->setObjectName(QStringLiteral("finetuneStats"));
        stats_->setWordWrap(true);
        stats_->setTextInteractionFlags(Qt::TextSelectableByMouse);
        liveLayout->addWidget(stats_);
        addWidgetRow(live);
        finish();
    }

    LossPlot* lossPlot() const { return loss_; }

    study::FinetuneParams params() const {
        study::FinetuneParams p;
        p.workspacePath = workspace();
        p.modelDir = str(QStringLiteral("model")).toStdString();
        p.benchmarkPath = str(QStringLiteral("benchmark")).toStdString();
        p.trainFile = str(QStringLiteral("train-file")).toStdString();
        p.shots = static_cast<std::size_t>(integer(QStringLiteral("shots")));
        p.validation = static_cast<std::size_t>(integer(QStringLiteral("validation")));
        p.examples.style = train::parseAnswerStyle(str(QStringLiteral("scoring")).toStdString());
        p.examples.addBos = flag(QStringLiteral("add-bos"));
        p.mask = maskValue(QStringLiteral("mask"));
        p.neurons = str(QStringLiteral("neurons")).toStdString();
        p.train = trainOptions();
        p.train.seed = static_cast<std::uint64_t>(integer(QStringLiteral("seed")));
        p.outputDir = str(QStringLiteral("output")).toStdString();
        p.overwrite = flag(QStringLiteral("overwrite"));
        p.validate();
        return p;
    }
    QStringList command() const override { return toQStringList(study::commandLine(params())); }

protected:
    JobSpec buildJob() const override {
        study::FinetuneParams p = params();
        loss_->clear();
        lastCheckpoint_.clear();
        lastStep_ = {};
        lastValidation_ = {};
        stats_->setText(tr("Starting…"));
        // The trainer reports on the job's thread; each report is posted to the GUI thread, where the
        // form (if it still exists) draws it. Nothing here waits for the GUI.
        QPointer<QLabel> stats(stats_);
        auto post = [stats](std::function<void(FinetuneForm*)> show) {
            QLabel* target = stats.data();
            if (!target) return;
            QMetaObject::invokeMethod(
                target,
                [target, show = std::move(show)] {
                    for (QObject* o = target; o; o = o->parent())
                        if (auto* form = dynamic_cast<FinetuneForm*>(o)) return show(form);
                },
                Qt::QueuedConnection);
        };
        p.train.onStep = [post](const train::StepRecord& r) { post([r](FinetuneForm* f) { f->showStep(r); }); };
        p.train.onValidation = [post](const train::EvalRecord& r) { post([r](FinetuneForm* f) { f->showValidation(r); }); };
        p.train.onCheckpoint = [post](const train::SavedCheckpoint& c) { post([c](FinetuneForm* f) { f->showCheckpoint(c); }); };
        return stepJob(tr("Fine-tune %1").arg(qs(p.modelDir)), [p](Progress& progress, const auto& log) {
            return study::runFinetune(p, progress, log).summary;
        });
    }

private:
    void showStep(const train::StepRecord& r) {
        loss_->addStep(r.step, r.loss);
        lastStep_ = r;
        updateStats();
    }
    void showValidation(const train::EvalRecord& r) {
        loss_->addValidation(r.step, r.loss);
        lastValidation_ = r;
        updateStats();
    }
    void showCheckpoint(const train::SavedCheckpoint& c) {
        lastCheckpoint_ = tr("checkpoint of step %1: %2").arg(c.step).arg(qs(c.path));
        updateStats();
    }
    void updateStats() {
        const JobRecord* job = window()->jobs()->job(lastJob());
        const qint64 eta = job ? job->etaMs() : -1;
        QString text = tr("step %1%2 · loss %3 · lr %4 · %5 s/step · %6 tokens")
                           .arg(lastStep_.step)
                           .arg(job && job->total > 0 ? tr(" of %1").arg(job->total) : QString())
                           .arg(lastStep_.loss, 0, 'f', 4)
                           .arg(lastStep_.lr, 0, 'g', 3)
                           .arg(lastStep_.seconds, 0, 'f', 3)
                           .arg(lastStep_.tokens);
        if (eta >= 0) text += tr(" · about %1 s left").arg((eta + 500) / 1000);
        if (lastValidation_.step > 0)
            text += tr("\nvalidation loss %1 at step %2").arg(lastValidation_.loss, 0, 'f', 4).arg(lastValidation_.step);
        if (!lastCheckpoint_.isEmpty()) text += QStringLiteral("\n") + lastCheckpoint_;
        stats_->setText(text);
    }

    LossPlot* loss_ = nullptr;
    QLabel* stats_ = nullptr;
    // Reset by buildJob (const: it only prepares the view for the job it builds).
    mutable train::StepRecord lastStep_;
    mutable train::EvalRecord lastValidation_;
    mutable QString lastCheckpoint_;
};

// ---------------------------------------------------------------------------------------------------
class CompareForm : public TrainingForm {
public:
    explicit CompareForm(MainWindow* w) : TrainingForm(QStringLiteral("compare"), tr("Compare every condition and baseline"), w) {
        const study::CompareParams d;
        addPath(QStringLiteral("model"), tr("Model"), tr("Checkpoint directory"), PathKind::Directory);
        addPath(QStringLiteral("source"), tr("Source benchmark"), tr("The in-domain benchmark: scores and fine-tuning data come from it"),
                PathKind::File);
        addText(QStringLiteral("transfer"), tr("Transfer benchmarks"), tr("Benchmark files, separated by ';'"));
        addRef(QStringLiteral("mask"), tr("Method's mask"), tr("The stored mask the method prunes"), RefKind::Mask);
        addRef(QStringLiteral("selection"), tr("Selection"),
               tr("The source's high-confidence items (magnitude pruning needs their prompts); none leaves that control out"),
               RefKind::Selection, true);
        addText(QStringLiteral("seeds"), tr("Seeds"), tr("Fine-tuning seeds, comma-separated"), QStringLiteral("1,2,3"));
        addText(QStringLiteral("conditions"), tr("Conditions"),
                tr("Comma-separated subset of before, method, finetune_only, prune_only, random_finetune, magnitude_finetune; empty: all"));
        addChoice(QStringLiteral("scoring"), tr("Scoring"), tr("letter | loglik"), {QStringLiteral("letter"), QStringLiteral("loglik")},
                  qs(eval::scoringName(d.scoring)));
        addInt(QStringLiteral("limit"), tr("Limit"), tr("Evaluate at most N items per benchmark; 0 = all"), 0, 100000000,
               static_cast<int>(d.limit));
        addInt(QStringLiteral("pool"), tr("Fine-tuning pool"), tr("Items set aside from the source for fine-tuning"), 1, 1000000,
               static_cast<int>(d.pool));
        addInt(QStringLiteral("shots"), tr("Shots"), tr("Fine-tuning items per seed"), 1, 1000000, static_cast<int>(d.shots));
        addInt(QStringLiteral("split-seed"), tr("Split seed"), tr("Seed of the pool / evaluation split"), 0, 2147483647,
               static_cast<int>(d.splitSeed));
        addPath(QStringLiteral("train-file"), tr("Training file"), tr("Draw the fine-tuning pool from this file instead of the source"),
                PathKind::File);
        addInt(QStringLiteral("bootstrap"), tr("Bootstrap resamples"), tr("For the 95% intervals"), 10, 1000000, d.bootstrapResamples);
        addText(QStringLiteral("name"), tr("Name"), tr("Name of the stored comparison"), qs(d.name));
        addTrainingFields();
        finish();
    }

    study::CompareParams params() const {
        study::CompareParams p;
        p.workspacePath = workspace();
        p.modelDir = str(QStringLiteral("model")).toStdString();
        p.sourcePath = str(QStringLiteral("source")).toStdString();
        for (const QString& t : str(QStringLiteral("transfer")).split(QLatin1Char(';'), Qt::SkipEmptyParts))
            p.transferPaths.push_back(t.trimmed().toStdString());
        p.mask = maskValue(QStringLiteral("mask"));
        p.selectionId = value(QStringLiteral("selection")).toLongLong();
        p.seeds.clear();
        for (const QString& s : str(QStringLiteral("seeds")).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            bool ok = false;
            const qulonglong v = s.trimmed().toULongLong(&ok);
            if (!ok) throw InvalidArgument("seeds: expected non-negative integers, got '" + s.toStdString() + "'");
            p.seeds.push_back(v);
        }
        for (const QString& c : str(QStringLiteral("conditions")).split(QLatin1Char(','), Qt::SkipEmptyParts))
            p.conditions.push_back(compare::parseCondition(c.trimmed().toStdString()));
        p.scoring = eval::parseScoring(str(QStringLiteral("scoring")).toStdString());
        p.limit = integer(QStringLiteral("limit"));
        p.pool = static_cast<std::size_t>(integer(QStringLiteral("pool")));
        p.shots = static_cast<std::size_t>(integer(QStringLiteral("shots")));
        p.splitSeed = static_cast<std::uint64_t>(integer(QStringLiteral("split-seed")));
        p.trainFile = str(QStringLiteral("train-file")).toStdString();
        p.bootstrapResamples = static_cast<int>(integer(QStringLiteral("bootstrap")));
        p.name = str(QStringLiteral("name")).toStdString();
        p.train = trainOptions();
        p.validate();
        return p;
    }
    QStringList command() const override { return toQStringList(study::commandLine(params())); }

protected:
    JobSpec buildJob() const override {
        const study::CompareParams p = params();
        return stepJob(tr("Compare on %1").arg(qs(p.sourcePath)), [p](Progress& progress, const auto& log) {
            const study::CompareResult r = study::runCompare(p, progress, log);
            return nlohmann::json{{"run_id", r.runId}, {"comparison_id", r.comparisonId}, {"table", r.table}};
        });
    }
};

// ---------------------------------------------------------------------------------------------------
class ExportForm : public StepForm {
public:
    explicit ExportForm(MainWindow* w) : StepForm(QStringLiteral("export"), tr("Export the pruned checkpoint"), w) {
        const study::ExportParams d;
        addPath(QStringLiteral("model"), tr("Model"), tr("Checkpoint directory to export"), PathKind::Directory);
        addRef(QStringLiteral("mask"), tr("Mask"), tr("Stored mask applied by weight surgery (shapes kept)"), RefKind::Mask, true);
        addText(QStringLiteral("neurons"), tr("Or neurons"), tr("Neurons to remove: L:N[,L:N...]"));
        addRef(QStringLiteral("comparison"), tr("Comparison"), tr("Stored comparison whose metrics go into prominence.json"),
               RefKind::Comparison, true);
        addInt(QStringLiteral("max-shard-mb"), tr("Max shard size (MB)"),
               tr("Shard the safetensors above this size, in decimal megabytes as transformers' max_shard_size"), 1, 100000000,
               static_cast<int>(d.maxShardBytes / 1000000));
        addChoice(QStringLiteral("dtype"), tr("Dtype"), tr("stored | float32 | bfloat16 | float16"),
                  {QStringLiteral("stored"), QStringLiteral("float32"), QStringLiteral("bfloat16"), QStringLiteral("float16")}, qs(d.dtype));
        addPath(QStringLiteral("output"), tr("Output directory"), tr("Directory to write"), PathKind::SaveDirectory);
        addFlag(QStringLiteral("overwrite"), tr("Replace the output directory if it exists"), tr("Replace an existing output directory"), false);
        finish();
    }

    study::ExportParams params() const {
        study::ExportParams p;
        p.workspacePath = workspace();
        p.modelDir = str(QStringLiteral("model")).toStdString();
        const qint64 mask = value(QStringLiteral("mask")).toLongLong();
        if (mask > 0) p.mask = std::to_string(mask);
        p.neurons = str(QStringLiteral("neurons")).toStdString();
        p.comparisonId = value(QStringLiteral("comparison")).toLongLong();
        p.maxShardBytes = static_cast<std::uint64_t>(integer(QStringLiteral("max-shard-mb"))) * 1000000ULL;
        p.dtype = str(QStringLiteral("dtype")).toStdString();
        p.outputDir = str(QStringLiteral("output")).toStdString();
        p.overwrite = flag(QStringLiteral("overwrite"));
        p.validate();
        return p;
    }
    QStringList command() const override { return toQStringList(study::commandLine(params())); }

protected:
    JobSpec buildJob() const override {
        const study::ExportParams p = params();
        return stepJob(tr("Export to %1").arg(qs(p.outputDir)), [p](Progress& progress, const auto& log) {
            return study::runExport(p, progress, log).summary;
        });
    }
};

// ---------------------------------------------------------------------------------------------------
class PipelineForm : public StepForm {
public:
    explicit PipelineForm(MainWindow* w) : StepForm(QStringLiteral("pipeline"), tr("Run a pipeline configuration"), w) {
        addPath(QStringLiteral("config"), tr("Configuration"),
                tr("A pipeline JSON (docs/pipeline.md): model, source and reference benchmarks, every step's parameters; "
                   "it names its own workspace"),
                PathKind::File, {}, tr("Pipeline configurations (*.json);;All files (*)"));
        view_ = new QPlainTextEdit(this);
        view_->setObjectName(QStringLiteral("configView"));
        view_->setReadOnly(true);
        view_->setPlaceholderText(tr("The configuration's text appears here."));
        view_->setMinimumHeight(220);
        QFont mono(QStringLiteral("monospace"));
        mono.setStyleHint(QFont::TypeWriter);
        view_->setFont(mono);
        addWidgetRow(view_);
        finish();
    }

    study::PipelineParams params() const {
        study::PipelineParams p;
        p.configFile = str(QStringLiteral("config")).toStdString();
        if (p.configFile.empty()) throw InvalidArgument("choose a pipeline configuration file");
        QFile f(QString::fromStdString(p.configFile));
        if (!f.open(QIODevice::ReadOnly)) throw LoadError(p.configFile + ": cannot open for reading");
        p.config = nlohmann::json::parse(f.readAll().toStdString(), nullptr, false);
        if (p.config.is_discarded()) throw FormatError(p.configFile + ": not valid JSON");
        return p;
    }
    QStringList command() const override { return toQStringList(study::commandLine(params())); }

protected:
    JobSpec buildJob() const override {
        const study::PipelineParams p = params();
        JobSpec spec = stepJob(tr("Pipeline %1").arg(qs(p.configFile)), [p](Progress& progress, const auto& log) {
            const study::PipelineResult r = study::runPipeline(p, progress, log);
            nlohmann::json out = r.summary;
            out["table"] = r.table;
            return out;
        });
        // The configuration names its workspace; refresh that one when it is the open one.
        if (p.config.contains("workspace") && p.config.at("workspace").is_string())
            spec.workspacePath = QFileInfo(QFileInfo(qs(p.configFile)).dir(), qs(p.config.at("workspace").get<std::string>()))
                                     .absoluteFilePath();
        return spec;
    }
    void valuesChanged() override {
        // A small local file: read here, as a text editor would, and shown as it is.
        QFile f(str(QStringLiteral("config")));
        const QString text = f.size() < (1 << 20) && f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
        if (view_->toPlainText() != text) view_->setPlainText(text);
    }

private:
    QPlainTextEdit* view_ = nullptr;
};

// ---------------------------------------------------------------------------------------------------
class DemoForm : public StepForm {
public:
    explicit DemoForm(MainWindow* w) : StepForm(QStringLiteral("demo"), tr("The Shortcut Lab"), w) {
        const lab::DemoOptions d = study::demoOptions("pair", false);
        const QString data = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
        addPath(QStringLiteral("workspace"), tr("Workspace"),
                tr("Where the lab's runs are stored (created if missing); it opens here when the job ends"),
                PathKind::SaveFile, data + QStringLiteral("/shortcut-lab.prominence"),
                tr("Prominence workspaces (*.prominence)"));
        addChoice(QStringLiteral("lab"), tr("Design"),
                  tr("pair: two tags, every parameter trains; reserved: one tag, learned only by 64 reserved MLP "
                     "neurons, so the lab knows where the shortcut lives"),
                  {QStringLiteral("pair"), QStringLiteral("reserved")}, QStringLiteral("pair"));
        addInt(QStringLiteral("seeds"), tr("Seeds"), tr("Seeds: fine-tuning data and order, IG item sample, random masks"), 1, 100,
               d.seeds);
        addDouble(QStringLiteral("prune-percent"), tr("Prune %"),
                  tr("Percent of the selectable neurons (every layer not excluded) the method prunes"), 0.01, 100.0,
                  d.prunePercent, 2);
        addChoice(QStringLiteral("finetune-data"), tr("Few-shot data"),
                  tr("tagged: source_train (tags consistent with the gold); untagged: member_train (no tags)"),
                  {QStringLiteral("tagged"), QStringLiteral("untagged")}, QStringLiteral("tagged"));
        addText(QStringLiteral("exclude-layers"), tr("Excluded layers"), tr("Layers the contrast never selects, e.g. 0; empty: none"));
        addPath(QStringLiteral("cache"), tr("Lab cache"),
                tr("Where the trained lab model is kept between runs; empty: $XDG_CACHE_HOME/prominence/lab"), PathKind::Directory);
        addFlag(QStringLiteral("tiny"), tr("Miniature (seconds; its numbers mean nothing)"),
                tr("The seconds-long miniature the tests use"), false);
        addPath(QStringLiteral("json"), tr("Numbers as JSON"), tr("Also write every number of the run to this file"), PathKind::SaveFile);
        connect(this, &StepForm::jobEnded, this, [this](int id) {
            const JobRecord* j = window()->jobs()->job(id);
            if (j && j->state == JobState::Finished) window()->openWorkspace(str(QStringLiteral("workspace")));
        });
        finish();
    }

    study::DemoParams params() const {
        study::DemoParams p;
        p.design = str(QStringLiteral("lab")).toStdString();
        p.tiny = flag(QStringLiteral("tiny"));
        p.options = study::demoOptions(p.design, p.tiny);
        p.options.workspacePath = str(QStringLiteral("workspace")).toStdString();
        if (p.options.workspacePath.empty()) throw InvalidArgument("choose the workspace the lab writes");
        p.options.seeds = static_cast<int>(integer(QStringLiteral("seeds")));
        p.options.prunePercent = real(QStringLiteral("prune-percent"));
        p.options.untaggedFinetune = str(QStringLiteral("finetune-data")) == QLatin1String("untagged");
        if (!str(QStringLiteral("exclude-layers")).isEmpty())
            p.options.contrast.excludeLayers = parseLayerList(str(QStringLiteral("exclude-layers")), "excluded layers");
        p.options.cacheRoot = str(QStringLiteral("cache")).toStdString();
        p.jsonPath = str(QStringLiteral("json")).toStdString();
        p.validate();
        return p;
    }
    QStringList command() const override { return toQStringList(study::commandLine(params())); }

protected:
    JobSpec buildJob() const override {
        const study::DemoParams p = params();
        QDir().mkpath(QFileInfo(qs(p.options.workspacePath)).absolutePath());
        JobSpec spec = stepJob(tr("Shortcut Lab (%1%2)").arg(qs(p.design), p.tiny ? tr(", miniature") : QString()),
                               [p](Progress& progress, const auto& log) {
                                   const study::DemoResult r = study::runDemo(p, progress, log);
                                   return nlohmann::json{{"report", r.report}, {"demo_run", r.workspaceRunId}};
                               });
        spec.workspacePath = QFileInfo(qs(p.options.workspacePath)).absoluteFilePath();
        return spec;
    }
};

}  // namespace

StepForm* makeMethodForm(const QString& name, MainWindow* w) {
    if (name == QLatin1String("prune")) return new PruneForm(w);
    if (name == QLatin1String("finetune")) return new FinetuneForm(w);
    if (name == QLatin1String("compare")) return new CompareForm(w);
    if (name == QLatin1String("export")) return new ExportForm(w);
    if (name == QLatin1String("pipeline")) return new PipelineForm(w);
    if (name == QLatin1String("demo")) return new DemoForm(w);
    return nullptr;
}

}  // namespace prominence::ui
