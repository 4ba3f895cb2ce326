// The forms of the method's first steps: register a model or a benchmark, evaluate, select.
#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <memory>

#include "core/data/benchmark_loader.h"
#include "core/eval/eval_store.h"
#include "core/eval/selection.h"
#include "core/model/model.h"
#include "core/study/command_line.h"
#include "core/study/eval_step.h"
#include "core/study/field_mapping_json.h"
#include "core/study/register.h"
#include "core/workspace/workspace.h"
#include "ui/forms/step_forms.h"
#include "ui/jobs/command_text.h"
#include "ui/main_window.h"
#include "ui/views/histogram_plot.h"

namespace prominence::ui {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QStringList formatNames() {
    QStringList out;
    for (data::Format f : {data::Format::Auto, data::Format::Icl, data::Format::QuestionStem, data::Format::MmluCsv,
                           data::Format::Hellaswag, data::Format::Copa, data::Format::TruthfulQaMc1,
                           data::Format::TruthfulQaMc2, data::Format::Generic})
        out << qs(data::formatName(f));
    return out;
}

// A form that loads a benchmark (eval, add-benchmark): the format and generic field-mapping fields,
// read back as data::LoadOptions.
class LoadingForm : public StepForm {
public:
    using StepForm::StepForm;

protected:
    void addBenchmarkFields() {
        const data::LoadOptions d;
        addChoice(QStringLiteral("format"), tr("Format"),
                  tr("Benchmark format; auto detects ARC, OpenBookQA, SciQ, CommonsenseQA, HellaSwag, MMLU csv, PIQA, "
                     "COPA/XCOPA, TruthfulQA"),
                  formatNames(), qs(data::formatName(d.format)));
        addText(QStringLiteral("field-question"), tr("Question field"), tr("Generic files: JSON path of the question (e.g. question.stem)"));
        addText(QStringLiteral("field-choices"), tr("Choices field"), tr("Generic files: JSON path of the list of choices"));
        addText(QStringLiteral("field-answer"), tr("Answer field"), tr("Generic files: JSON path of the answer"));
        addText(QStringLiteral("field-context"), tr("Context field"), tr("Generic files (optional): passage shown before the question"));
        addText(QStringLiteral("field-id"), tr("Id field"), tr("Generic files (optional): the item's id"));
        addChoice(QStringLiteral("answer-encoding"), tr("Answer encoding"), tr("Generic files: how the answer names the correct choice"),
                  {QStringLiteral("index0"), QStringLiteral("index1"), QStringLiteral("letter"), QStringLiteral("text")},
                  qs(study::answerEncodingName(d.fields.encoding)));
        addFlag(QStringLiteral("skip-invalid"), tr("Skip invalid records (listed in the result) instead of failing"),
                tr("Keep going past malformed records; each is reported with its line"), d.skipInvalid);
    }

    data::LoadOptions loadOptions() const {
        data::LoadOptions o;
        o.format = data::parseFormat(str(QStringLiteral("format")).toStdString());
        o.fields.question = str(QStringLiteral("field-question")).toStdString();
        o.fields.choices = str(QStringLiteral("field-choices")).toStdString();
        o.fields.answer = str(QStringLiteral("field-answer")).toStdString();
        o.fields.context = str(QStringLiteral("field-context")).toStdString();
        o.fields.id = str(QStringLiteral("field-id")).toStdString();
        o.fields.encoding = data::parseAnswerEncoding(str(QStringLiteral("answer-encoding")).toStdString());
        o.skipInvalid = flag(QStringLiteral("skip-invalid"));
        return o;
    }

    static void addLoadFlags(std::vector<std::string>& argv, const data::LoadOptions& o) {
        const data::LoadOptions d;
        if (o.format != d.format) argv.insert(argv.end(), {"--format", data::formatName(o.format)});
        const data::FieldMapping& f = o.fields;
        for (const auto& [name, path] : {std::pair<const char*, const std::string&>{"question", f.question},
                                         {"choices", f.choices}, {"answer", f.answer}, {"context", f.context}, {"id", f.id}})
            if (!path.empty()) argv.insert(argv.end(), {"--field", std::string(name) + "=" + path});
        if (f.encoding != d.fields.encoding) argv.insert(argv.end(), {"--answer-encoding", study::answerEncodingName(f.encoding)});
    }
};

// ---------------------------------------------------------------------------------------------------
class AddModelForm : public StepForm {
public:
    explicit AddModelForm(MainWindow* w) : StepForm(QStringLiteral("add-model"), tr("Add a model"), w) {
        addPath(QStringLiteral("model"), tr("Checkpoint directory"),
                tr("A Hugging Face checkpoint: config.json, model.safetensors (or shards with an index) and tokenizer.json. "
                   "Pickled .bin/.pt weights are never loaded."),
                PathKind::Directory);
        info_ = new QLabel(tr("Choose a directory to see what it holds."), this);
        info_->setObjectName(QStringLiteral("modelInfo"));
        info_->setWordWrap(true);
        info_->setTextInteractionFlags(Qt::TextSelectableByMouse);
        addWidgetRow(info_);
        timer_ = new QTimer(this);
        timer_->setSingleShot(true);
        timer_->setInterval(400);
        connect(timer_, &QTimer::timeout, this, [this] { inspect(); });
        finish();
    }

    QStringList command() const override {
        const std::string dir = str(QStringLiteral("model")).toStdString();
        if (dir.empty()) throw InvalidArgument("choose a checkpoint directory");
        return toQStringList({"prominence-cli", "workspace", "--workspace", workspace(), "--add-model", dir});
    }
    QString infoText() const { return info_->text(); }

protected:
    JobSpec buildJob() const override {
        const std::string ws = workspace();
        const std::string dir = str(QStringLiteral("model")).toStdString();
        if (dir.empty()) throw InvalidArgument("choose a checkpoint directory");
        return stepJob(tr("Add model %1").arg(qs(dir)), [ws, dir](Progress&, const auto&) {
            const workspace::ModelRecord m = study::addModel(ws, dir);
            return nlohmann::json{{"id", m.id}, {"path", m.path}, {"architecture", m.architecture},
                                  {"config_hash", m.configHash}, {"weights_hash", m.weightsHash}, {"info", m.info}};
        });
    }
    void valuesChanged() override { timer_->start(); }

private:
    // Loads the checkpoint off the GUI thread (loading checks every tensor, so this is also the
    // validation the add will do) and shows its shape, or the core's error.
    void inspect() {
        const std::string dir = str(QStringLiteral("model")).toStdString();
        if (dir.empty()) return;
        info_->setText(tr("Reading %1…").arg(qs(dir)));
        auto info = std::make_shared<nlohmann::json>();
        JobSpec spec;
        spec.title = tr("Inspect %1").arg(qs(dir));
        spec.kind = QStringLiteral("inspect");
        spec.visible = false;
        spec.work = [dir, info](Progress&) {
            const auto model = Model::load(dir);
            *info = eval::modelRecord(*model, dir).info;
            return nlohmann::json::object();
        };
        QPointer<AddModelForm> self(this);
        const QString asked = qs(dir);
        window()->jobs()->start(
            std::move(spec),
            [self, info, asked](const nlohmann::json&) {
                if (!self || self->str(QStringLiteral("model")) != asked) return;
                QString text = tr("<b>%1</b>: ").arg(asked.toHtmlEscaped());
                QStringList parts;
                for (auto it = info->begin(); it != info->end(); ++it)
                    parts << QStringLiteral("%1 = %2").arg(qs(it.key()), qs(it.value().dump()).toHtmlEscaped());
                self->info_->setText(text + parts.join(QStringLiteral(", ")));
            },
            [self, asked](const QString& e) {
                if (!self || self->str(QStringLiteral("model")) != asked) return;
                self->info_->setText(QStringLiteral("<span style='color:#b02020'>%1</span>").arg(e.toHtmlEscaped()));
            });
    }

    QLabel* info_ = nullptr;
    QTimer* timer_ = nullptr;
};

// ---------------------------------------------------------------------------------------------------
class AddBenchmarkForm : public LoadingForm {
public:
    explicit AddBenchmarkForm(MainWindow* w) : LoadingForm(QStringLiteral("add-benchmark"), tr("Add a benchmark"), w) {
        addPath(QStringLiteral("benchmark"), tr("Benchmark file"),
                tr("jsonl, a JSON array or csv; a directory of MMLU subject csv files"), PathKind::File, {},
                tr("Benchmarks (*.jsonl *.json *.csv);;All files (*)"));
        addBenchmarkFields();
        addSection(tr("Preview: the first 5 items as Prominence parses them"));
        preview_ = new QTableWidget(0, 4, this);
        preview_->setObjectName(QStringLiteral("benchmarkPreview"));
        preview_->setHorizontalHeaderLabels({tr("id"), tr("question"), tr("choices"), tr("gold")});
        preview_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
        preview_->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
        preview_->verticalHeader()->hide();
        preview_->setEditTriggers(QAbstractItemView::NoEditTriggers);
        preview_->setWordWrap(true);
        preview_->setMinimumHeight(170);
        addWidgetRow(preview_);
        previewStatus_ = new QLabel(this);
        previewStatus_->setObjectName(QStringLiteral("previewStatus"));
        previewStatus_->setWordWrap(true);
        previewStatus_->setTextInteractionFlags(Qt::TextSelectableByMouse);
        addWidgetRow(previewStatus_);
        timer_ = new QTimer(this);
        timer_->setSingleShot(true);
        timer_->setInterval(400);
        connect(timer_, &QTimer::timeout, this, [this] { refreshPreview(); });
        finish();
    }

    QStringList command() const override {
        const std::string file = str(QStringLiteral("benchmark")).toStdString();
        if (file.empty()) throw InvalidArgument("choose a benchmark file");
        std::vector<std::string> argv = {"prominence-cli", "workspace", "--workspace", workspace(), "--add-benchmark", file};
        addLoadFlags(argv, loadOptions());
        if (flag(QStringLiteral("skip-invalid"))) argv.push_back("--skip-invalid");
        return toQStringList(argv);
    }
    int previewRows() const { return preview_->rowCount(); }
    QString previewStatus() const { return previewStatus_->text(); }
    bool previewBusy() const { return busy_ || timer_->isActive(); }

protected:
    JobSpec buildJob() const override {
        const std::string ws = workspace();
        const std::string file = str(QStringLiteral("benchmark")).toStdString();
        if (file.empty()) throw InvalidArgument("choose a benchmark file");
        const data::LoadOptions load = loadOptions();
        return stepJob(tr("Add benchmark %1").arg(qs(file)), [ws, file, load](Progress&, const auto& log) {
            const workspace::BenchmarkRecord b = study::addBenchmark(ws, file, load, log);
            return nlohmann::json{{"id", b.id}, {"path", b.path}, {"format", b.format}, {"hash", b.hash},
                                  {"count", b.itemCount}, {"field_mapping", b.fieldMapping}};
        });
    }
    void valuesChanged() override { timer_->start(); }

private:
    void refreshPreview() {
        const std::string file = str(QStringLiteral("benchmark")).toStdString();
        if (file.empty()) return;
        data::LoadOptions load;
        try {
            load = loadOptions();
        } catch (const std::exception& e) {
            previewStatus_->setText(QString::fromUtf8(e.what()));
            return;
        }
        // The preview shows the first parse error with its line, so it never skips.
        load.skipInvalid = false;
        busy_ = true;
        previewStatus_->setText(tr("Parsing…"));
        auto bench = std::make_shared<data::Benchmark>();
        JobSpec spec;
        spec.title = tr("Preview %1").arg(qs(file));
        spec.kind = QStringLiteral("preview");
        spec.visible = false;
        spec.io = true;
        spec.work = [file, load, bench](Progress&) {
            *bench = data::loadBenchmark(file, load);
            return nlohmann::json::object();
        };
        QPointer<AddBenchmarkForm> self(this);
        const QString asked = qs(file);
        window()->jobs()->start(
            std::move(spec),
            [self, bench, asked](const nlohmann::json&) {
                if (!self) return;
                self->busy_ = false;
                if (self->str(QStringLiteral("benchmark")) != asked) return;
                self->show(*bench);
            },
            [self, asked](const QString& e) {
                if (!self) return;
                self->busy_ = false;
                if (self->str(QStringLiteral("benchmark")) != asked) return;
                self->preview_->setRowCount(0);
                self->previewStatus_->setText(QStringLiteral("<span style='color:#b02020'>%1</span>").arg(e.toHtmlEscaped()));
            });
    }

    void show(const data::Benchmark& b) {
        const int rows = static_cast<int>(std::min<std::size_t>(5, b.items.size()));
        preview_->setRowCount(rows);
        for (int r = 0; r < rows; ++r) {
            const data::McItem& item = b.items[static_cast<std::size_t>(r)];
            QStringList choices;
            for (std::size_t c = 0; c < item.choices.size(); ++c)
                choices << QStringLiteral("%1. %2").arg(QChar(u'A' + static_cast<int>(c))).arg(qs(item.choices[c]));
            preview_->setItem(r, 0, new QTableWidgetItem(qs(item.id)));
            preview_->setItem(r, 1, new QTableWidgetItem(qs(item.question)));
            preview_->setItem(r, 2, new QTableWidgetItem(choices.join(QStringLiteral("  "))));
            preview_->setItem(r, 3, new QTableWidgetItem(QString(QChar(u'A' + item.gold))));
        }
        preview_->resizeRowsToContents();
        previewStatus_->setText(tr("%1 items, format %2.").arg(b.items.size()).arg(qs(b.format)));
    }

    QTableWidget* preview_ = nullptr;
    QLabel* previewStatus_ = nullptr;
    QTimer* timer_ = nullptr;
    bool busy_ = false;
};

// ---------------------------------------------------------------------------------------------------
class EvalForm : public LoadingForm {
public:
    explicit EvalForm(MainWindow* w) : LoadingForm(QStringLiteral("eval"), tr("Evaluate a benchmark"), w) {
        const study::EvalParams d;
        addPath(QStringLiteral("model"), tr("Model"), tr("Hugging Face checkpoint directory"), PathKind::Directory);
        addPath(QStringLiteral("benchmark"), tr("Benchmark"), tr("Benchmark file (jsonl, json array, csv) or MMLU directory"),
                PathKind::File, {}, tr("Benchmarks (*.jsonl *.json *.csv);;All files (*)"));
        addChoice(QStringLiteral("scoring"), tr("Scoring"),
                  tr("letter: options listed as A/B/C/D, the letters' next-token log-probs; loglik: each choice's "
                     "continuation log-likelihood (acc and acc_norm as lm-evaluation-harness)"),
                  {QStringLiteral("letter"), QStringLiteral("loglik")}, qs(eval::scoringName(d.options.scoring)));
        addInt(QStringLiteral("shots"), tr("Shots"), tr("Few-shot exemplars per item"), 0, 64, d.options.shots);
        addInt(QStringLiteral("limit"), tr("Limit"), tr("Evaluate only the first N items; 0 = all"), 0, 100000000, 0);
        addSection(tr("High-confidence selection (optional)"));
        addChoice(QStringLiteral("select"), tr("Select"), tr("Store the correct items the model is sure about as a selection"),
                  {QStringLiteral("none"), QStringLiteral("threshold"), QStringLiteral("top-k")}, QStringLiteral("none"));
        addDouble(QStringLiteral("select-threshold"), tr("p(correct) ≥"), tr("Select correct items with p(correct) at least this"),
                  0.0, 1.0, 0.9, 3);
        addInt(QStringLiteral("select-top-k"), tr("Top k"), tr("Select the k correct items with the highest p(correct)"), 1,
               100000000, 100);
        addText(QStringLiteral("selection"), tr("Selection name"), tr("Name of the stored selection (unique per run)"),
                QStringLiteral("hc"));
        addSection(tr("Benchmark format"));
        addBenchmarkFields();
        addSection(tr("Advanced"));
        addPath(QStringLiteral("fewshot-from"), tr("Exemplars from"), tr("Draw exemplars from this file (a dev split) instead of the benchmark"),
                PathKind::File);
        addPath(QStringLiteral("tokenizer"), tr("Tokenizer"), tr("Tokenizer directory or tokenizer.json; empty: the model's"),
                PathKind::File);
        addInt(QStringLiteral("seed"), tr("Seed"), tr("Seed for exemplars and option shuffling"), 0, 2147483647,
               static_cast<int>(d.options.seed));
        addFlag(QStringLiteral("shuffle-options"), tr("Shuffle each item's options (seeded)"), tr("Shuffle the options of every item"),
                d.options.shuffleOptions);
        addFlag(QStringLiteral("add-bos"), tr("Prepend the tokenizer's BOS token"), tr("As lm-eval's add_bos_token"), d.options.addBos);
        addInt(QStringLiteral("batch-size"), tr("Rows per forward"), tr("Rows per forward call"), 1, 4096,
               static_cast<int>(d.options.maxBatchRows));
        addInt(QStringLiteral("max-batch-tokens"), tr("Tokens per forward"), tr("Padded tokens per forward call"), 16, 1 << 24,
               static_cast<int>(d.options.maxBatchTokens));
        addChoice(QStringLiteral("dtype"), tr("Compute dtype"), tr("Compute dtype"),
                  {QStringLiteral("float32"), QStringLiteral("bfloat16"), QStringLiteral("float16")}, qs(d.dtype));
        addText(QStringLiteral("device"), tr("Device"), tr("cpu, cuda or cuda:N"), qs(d.device));
        addPath(QStringLiteral("items"), tr("Items JSONL"), tr("Also write one JSON line per item to this file"), PathKind::SaveFile);
        finish();
    }

    study::EvalParams params() const {
        study::EvalParams p;
        p.workspacePath = workspace();
        p.modelDir = str(QStringLiteral("model")).toStdString();
        p.benchmarkPath = str(QStringLiteral("benchmark")).toStdString();
        p.load = loadOptions();
        p.options.scoring = eval::parseScoring(str(QStringLiteral("scoring")).toStdString());
        p.options.shots = static_cast<int>(integer(QStringLiteral("shots")));
        p.limit = integer(QStringLiteral("limit")) > 0 ? integer(QStringLiteral("limit")) : -1;
        p.options.seed = static_cast<std::uint64_t>(integer(QStringLiteral("seed")));
        p.options.shuffleOptions = flag(QStringLiteral("shuffle-options"));
        p.options.addBos = flag(QStringLiteral("add-bos"));
        p.options.maxBatchRows = integer(QStringLiteral("batch-size"));
        p.options.maxBatchTokens = integer(QStringLiteral("max-batch-tokens"));
        p.dtype = str(QStringLiteral("dtype")).toStdString();
        p.device = str(QStringLiteral("device")).toStdString();
        p.fewshotFrom = str(QStringLiteral("fewshot-from")).toStdString();
        p.tokenizer = str(QStringLiteral("tokenizer")).toStdString();
        p.itemsPath = str(QStringLiteral("items")).toStdString();
        const QString mode = str(QStringLiteral("select"));
        if (mode != QLatin1String("none")) {
            eval::SelectionCriteria c;
            if (mode == QLatin1String("threshold")) c.threshold = real(QStringLiteral("select-threshold"));
            else c.topK = integer(QStringLiteral("select-top-k"));
            p.select = c;
            p.selectionName = str(QStringLiteral("selection")).toStdString();
        }
        p.validate();
        return p;
    }

    QStringList command() const override { return toQStringList(study::commandLine(params())); }

protected:
    void valuesChanged() override {
        const QString mode = str(QStringLiteral("select"));
        setFieldEnabled(QStringLiteral("select-threshold"), mode == QLatin1String("threshold"));
        setFieldEnabled(QStringLiteral("select-top-k"), mode == QLatin1String("top-k"));
        setFieldEnabled(QStringLiteral("selection"), mode != QLatin1String("none"));
    }

    JobSpec buildJob() const override {
        const study::EvalParams p = params();
        return stepJob(tr("Evaluate %1").arg(qs(p.benchmarkPath)), [p](Progress& progress, const auto& log) {
            return study::runEval(p, progress, log).summary;
        });
    }
};

// ---------------------------------------------------------------------------------------------------
// The stored items of one eval run as the selection step sees them: index, correct, p(correct).
struct RunConfidence {
    qint64 runId = 0;
    std::vector<eval::ItemScore> items;
};

class SelectForm : public StepForm {
public:
    explicit SelectForm(MainWindow* w) : StepForm(QStringLiteral("select"), tr("Select high-confidence items"), w) {
        addRef(QStringLiteral("run"), tr("Eval run"), tr("A completed eval run of this workspace"), RefKind::CompletedEvalRun);
        addText(QStringLiteral("name"), tr("Selection name"), tr("Name of the stored selection (unique per run)"), QStringLiteral("hc"));
        addChoice(QStringLiteral("mode"), tr("Criterion"),
                  tr("threshold: correct items with p(correct) ≥ T; top-k: the k correct items with the highest p(correct)"),
                  {QStringLiteral("threshold"), QStringLiteral("top-k")}, QStringLiteral("threshold"));
        addDouble(QStringLiteral("threshold"), tr("p(correct) ≥"), tr("Threshold on the probability of the gold option"), 0.0,
                  1.0, 0.9, 3);
        addInt(QStringLiteral("top-k"), tr("Top k"), tr("How many correct items to keep, most confident first"), 1, 100000000, 100);
        count_ = new QLabel(this);
        count_->setObjectName(QStringLiteral("selectionCount"));
        QFont f = count_->font();
        f.setBold(true);
        count_->setFont(f);
        addWidgetRow(count_);
        histogram_ = new HistogramPlot(this);
        histogram_->setObjectName(QStringLiteral("pCorrectHistogram"));
        histogram_->setMinimumHeight(220);
        histogram_->setAxisLabels(tr("p(correct)"), tr("items"));
        addWidgetRow(histogram_);
        finish();
    }

    QStringList command() const override { return toQStringList(study::commandLine(params())); }
    // Items the current criterion selects, by the same core function the step uses; -1 while loading.
    qint64 liveCount() const { return liveCount_; }
    qint64 loadedRun() const { return data_ ? data_->runId : 0; }

    study::SelectParams params() const {
        study::SelectParams p;
        p.workspacePath = workspace();
        p.runId = value(QStringLiteral("run")).toLongLong();
        if (p.runId <= 0) throw InvalidArgument("choose a completed eval run (evaluate a benchmark first)");
        p.name = str(QStringLiteral("name")).toStdString();
        if (str(QStringLiteral("mode")) == QLatin1String("threshold")) p.criteria.threshold = real(QStringLiteral("threshold"));
        else p.criteria.topK = integer(QStringLiteral("top-k"));
        p.validate();
        return p;
    }

protected:
    JobSpec buildJob() const override {
        const study::SelectParams p = params();
        return stepJob(tr("Select %1 from eval run %2").arg(qs(p.name)).arg(p.runId), [p](Progress& progress, const auto&) {
            return nlohmann::json(study::runSelect(p, progress).summary);
        });
    }

    void valuesChanged() override {
        const bool threshold = str(QStringLiteral("mode")) == QLatin1String("threshold");
        setFieldEnabled(QStringLiteral("threshold"), threshold);
        setFieldEnabled(QStringLiteral("top-k"), !threshold);
        const qint64 run = value(QStringLiteral("run")).toLongLong();
        if (run > 0 && (!data_ || data_->runId != run) && loading_ != run) load(run);
        updateCount();
    }

private:
    void load(qint64 run) {
        loading_ = run;
        liveCount_ = -1;
        count_->setText(tr("Reading the items of run %1…").arg(run));
        auto out = std::make_shared<RunConfidence>();
        out->runId = run;
        JobSpec spec;
        spec.title = tr("Read run %1's confidences").arg(run);
        spec.kind = QStringLiteral("read");
        spec.visible = false;
        spec.io = true;
        spec.work = [ws = workspace(), run, out](Progress&) {
            workspace::Workspace w = workspace::Workspace::open(ws);
            auto st = w.database().prepare("SELECT item_index, correct, p_correct, margin FROM run_items WHERE run_id = ? ORDER BY item_index",
                                           "read the confidences of an eval run");
            st.bind(1, static_cast<std::int64_t>(run));
            while (st.step()) {
                eval::ItemScore s;
                s.index = st.getInt(0);
                s.correct = st.getInt(1) != 0;
                s.pCorrect = st.getDouble(2);
                s.margin = st.getDouble(3);
                out->items.push_back(std::move(s));
            }
            return nlohmann::json::object();
        };
        QPointer<SelectForm> self(this);
        window()->jobs()->start(std::move(spec), [self, out](const nlohmann::json&) {
            if (!self || self->loading_ != out->runId) return;
            self->loading_ = 0;
            self->data_ = out;
            std::vector<double> right, wrong;
            for (const auto& s : out->items) (s.correct ? right : wrong).push_back(s.pCorrect);
            self->histogram_->setSeries({{tr("correct"), right, QColor(0x2b, 0x83, 0xba)},
                                         {tr("wrong"), wrong, QColor(0xd7, 0x19, 0x1c)}},
                                        0.0, 1.0, 20);
            self->updateCount();
        }, [self](const QString& e) {
            if (!self) return;
            self->loading_ = 0;
            self->count_->setText(e);
        });
    }

    void updateCount() {
        if (!data_ || data_->runId != value(QStringLiteral("run")).toLongLong()) return;
        eval::SelectionCriteria c;
        const bool threshold = str(QStringLiteral("mode")) == QLatin1String("threshold");
        if (threshold) c.threshold = real(QStringLiteral("threshold"));
        else c.topK = integer(QStringLiteral("top-k"));
        std::int64_t correct = 0;
        for (const auto& s : data_->items) correct += s.correct ? 1 : 0;
        liveCount_ = static_cast<qint64>(eval::selectHighConfidence(data_->items, c).size());
        count_->setText(tr("%1 of %2 items selected (%3 correct)")
                            .arg(liveCount_)
                            .arg(data_->items.size())
                            .arg(correct));
        histogram_->setMarker(threshold ? std::optional<double>(*c.threshold) : std::nullopt);
    }

    QLabel* count_ = nullptr;
    HistogramPlot* histogram_ = nullptr;
    std::shared_ptr<RunConfidence> data_;
    qint64 loading_ = 0;
    qint64 liveCount_ = -1;
};

}  // namespace

StepForm* makeAddModelForm(MainWindow* w) { return new AddModelForm(w); }
StepForm* makeAddBenchmarkForm(MainWindow* w) { return new AddBenchmarkForm(w); }
StepForm* makeEvalForm(MainWindow* w) { return new EvalForm(w); }
StepForm* makeSelectForm(MainWindow* w) { return new SelectForm(w); }

}  // namespace prominence::ui
