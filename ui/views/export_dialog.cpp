#include "ui/views/export_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/study/command_line.h"
#include "ui/jobs/command_text.h"
#include "ui/main_window.h"

namespace prominence::ui {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QWidget* pathRow(QWidget* parent, QLineEdit* edit, bool directory, const QString& title) {
    auto* row = new QWidget(parent);
    auto* h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    auto* browse = new QToolButton(row);
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(QObject::tr("Browse"));
    h->addWidget(edit, 1);
    h->addWidget(browse);
    QObject::connect(browse, &QToolButton::clicked, parent, [parent, edit, directory, title] {
        const QString chosen = directory ? QFileDialog::getExistingDirectory(parent, title, edit->text())
                                         : QFileDialog::getOpenFileName(parent, title, edit->text());
        if (!chosen.isEmpty()) edit->setText(chosen);
    });
    return row;
}

}  // namespace

ExportDialog::ExportDialog(MainWindow* window, QWidget* parent) : QDialog(parent), window_(window) {
    setObjectName(QStringLiteral("exportDialog"));
    setWindowTitle(tr("Export the pruned checkpoint"));
    const study::ExportParams d;
    auto* top = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("Writes a Hugging Face checkpoint directory: the same config, tensor names and shapes as the "
                                "source, the mask's neurons removed by weight surgery (their up/gate rows and down columns "
                                "zeroed), the tokenizer files and prominence.json with the mask and its provenance."),
                             this);
    intro->setWordWrap(true);
    top->addWidget(intro);
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    model_ = new QLineEdit(this);
    model_->setObjectName(QStringLiteral("model"));
    model_->setToolTip(tr("Checkpoint directory to export"));
    form->addRow(tr("Model"), pathRow(this, model_, true, tr("Model")));

    useStored_ = new QRadioButton(tr("Stored mask"), this);
    useStored_->setChecked(true);
    mask_ = new QComboBox(this);
    mask_->setObjectName(QStringLiteral("mask"));
    mask_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    mask_->setMinimumContentsLength(40);
    form->addRow(useStored_, mask_);
    useNeurons_ = new QRadioButton(tr("Neurons"), this);
    neurons_ = new QLineEdit(this);
    neurons_->setObjectName(QStringLiteral("neurons"));
    neurons_->setPlaceholderText(tr("L:N[,L:N...] — e.g. the mask being edited on the heatmap"));
    form->addRow(useNeurons_, neurons_);
    auto* surgery = new QLabel(tr("weight surgery, shapes kept (transformers and Prominence load it unchanged)"), this);
    surgery->setEnabled(false);
    form->addRow(tr("Removal"), surgery);
    comparison_ = new QComboBox(this);
    comparison_->setObjectName(QStringLiteral("comparison"));
    comparison_->setToolTip(tr("A stored comparison whose cells and McNemar rows go into prominence.json"));
    form->addRow(tr("Comparison"), comparison_);

    shardMb_ = new QSpinBox(this);
    shardMb_->setObjectName(QStringLiteral("maxShardMb"));
    shardMb_->setRange(1, 100000000);
    shardMb_->setValue(static_cast<int>(d.maxShardBytes / 1000000));
    shardMb_->setSuffix(tr(" MB"));
    shardMb_->setToolTip(tr("Shard the safetensors above this size (decimal megabytes, as transformers' max_shard_size)"));
    form->addRow(tr("Max shard size"), shardMb_);
    dtype_ = new QComboBox(this);
    dtype_->setObjectName(QStringLiteral("dtype"));
    dtype_->addItems({QStringLiteral("stored"), QStringLiteral("float32"), QStringLiteral("bfloat16"), QStringLiteral("float16")});
    dtype_->setCurrentText(qs(d.dtype));
    dtype_->setToolTip(tr("stored: each tensor as the source stored it"));
    form->addRow(tr("Dtype"), dtype_);
    output_ = new QLineEdit(this);
    output_->setObjectName(QStringLiteral("output"));
    form->addRow(tr("Output directory"), pathRow(this, output_, true, tr("Output directory")));
    overwrite_ = new QCheckBox(tr("Replace the output directory if it exists"), this);
    form->addRow(QString(), overwrite_);

    auto* checkRow = new QWidget(this);
    auto* ch = new QHBoxLayout(checkRow);
    ch->setContentsMargins(0, 0, 0, 0);
    checkBench_ = new QComboBox(checkRow);
    checkBench_->setObjectName(QStringLiteral("checkBenchmark"));
    checkBench_->setEditable(true);
    checkBench_->setToolTip(tr("After writing, reload the export and compare its logits with the masked source model on "
                               "the first items of this benchmark; empty: no check"));
    checkItems_ = new QSpinBox(checkRow);
    checkItems_->setObjectName(QStringLiteral("checkItems"));
    checkItems_->setRange(1, 1000);
    checkItems_->setValue(4);
    checkItems_->setSuffix(tr(" items"));
    ch->addWidget(checkBench_, 1);
    ch->addWidget(checkItems_);
    form->addRow(tr("Reload and compare on"), checkRow);
    top->addLayout(form);

    top->addWidget(new QLabel(tr("Equivalent command:"), this));
    command_ = new QLineEdit(this);
    command_->setObjectName(QStringLiteral("commandPreview"));
    command_->setReadOnly(true);
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::TypeWriter);
    command_->setFont(mono);
    top->addWidget(command_);
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("exportStatus"));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    top->addWidget(status_);
    result_ = new QPlainTextEdit(this);
    result_->setObjectName(QStringLiteral("exportResult"));
    result_->setReadOnly(true);
    result_->setPlaceholderText(tr("What was written, and the reloaded export's largest logit difference, appear here."));
    result_->setFont(mono);
    result_->setMinimumHeight(120);
    top->addWidget(result_, 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    exportButton_ = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    exportButton_->setObjectName(QStringLiteral("exportButton"));
    exportButton_->setDefault(true);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(exportButton_, &QPushButton::clicked, this, [this] { run(); });
    top->addWidget(buttons);

    for (QLineEdit* e : {model_, neurons_, output_}) connect(e, &QLineEdit::textChanged, this, &ExportDialog::refresh);
    for (QComboBox* c : {mask_, comparison_, dtype_}) connect(c, qOverload<int>(&QComboBox::currentIndexChanged), this, &ExportDialog::refresh);
    connect(shardMb_, qOverload<int>(&QSpinBox::valueChanged), this, &ExportDialog::refresh);
    connect(overwrite_, &QCheckBox::toggled, this, &ExportDialog::refresh);
    connect(useStored_, &QRadioButton::toggled, this, &ExportDialog::refresh);
    connect(neurons_, &QLineEdit::textEdited, this, [this] { useNeurons_->setChecked(true); });
    connect(window_, &MainWindow::workspaceLoaded, this, [this] { fillPickers(); });
    fillPickers();
    resize(820, 640);
}

void ExportDialog::fillPickers() {
    const StudySnapshot& s = window_->snapshot();
    const QVariant mask = mask_->currentData(), cmp = comparison_->currentData();
    const QString bench = checkBench_->currentText();
    {
        const QSignalBlocker b1(mask_), b2(comparison_), b3(checkBench_);
        mask_->clear();
        for (const auto& m : s.masks)
            mask_->addItem(tr("#%1 %2 — %3 neurons").arg(m.id).arg(qs(m.name)).arg(m.neuronCount), qint64(m.id));
        comparison_->clear();
        comparison_->addItem(tr("(none)"), qint64(0));
        for (const auto& c : s.comparisons) comparison_->addItem(tr("#%1 %2 (run %3)").arg(c.id).arg(qs(c.name)).arg(c.runId), qint64(c.id));
        checkBench_->clear();
        checkBench_->addItem(QString());
        for (const auto& b : s.benchmarks) checkBench_->addItem(qs(b.path));
        const int mi = mask.isValid() ? mask_->findData(mask) : -1;
        mask_->setCurrentIndex(mi >= 0 ? mi : mask_->count() - 1);
        const int ci = cmp.isValid() ? comparison_->findData(cmp) : 0;
        comparison_->setCurrentIndex(ci >= 0 ? ci : 0);
        checkBench_->setCurrentText(bench.isEmpty() && checkBench_->count() > 1 ? checkBench_->itemText(1) : bench);
    }
    if (model_->text().isEmpty() && !s.models.empty()) model_->setText(qs(s.models.front().path));
    refresh();
}

bool ExportDialog::setMask(qint64 maskId) {
    const int i = mask_->findData(maskId);
    if (i < 0) return false;
    mask_->setCurrentIndex(i);
    useStored_->setChecked(true);
    if (const MaskInfo* m = window_->snapshot().mask(maskId); m && m->modelId && model_->text().isEmpty())
        if (const auto* rec = window_->snapshot().model(*m->modelId)) model_->setText(qs(rec->path));
    refresh();
    return true;
}

void ExportDialog::setNeurons(const QString& neurons) {
    neurons_->setText(neurons);
    useNeurons_->setChecked(true);
}

void ExportDialog::setModelDir(const QString& dir) { model_->setText(dir); }
void ExportDialog::setOutputDir(const QString& dir) { output_->setText(dir); }
void ExportDialog::setShardMegabytes(int mb) { shardMb_->setValue(mb); }
void ExportDialog::setDtype(const QString& dtype) { dtype_->setCurrentText(dtype); }
void ExportDialog::setOverwrite(bool on) { overwrite_->setChecked(on); }
void ExportDialog::setCheckBenchmark(const QString& path) { checkBench_->setCurrentText(path); }
void ExportDialog::setCheckItems(int n) { checkItems_->setValue(n); }

study::ExportParams ExportDialog::params() const {
    study::ExportParams p;
    if (window_->workspacePath().isEmpty()) throw InvalidArgument("open or create a workspace first (File ▸ Open / New)");
    p.workspacePath = window_->workspacePath().toStdString();
    p.modelDir = model_->text().trimmed().toStdString();
    if (useStored_->isChecked()) {
        const qint64 id = mask_->currentData().toLongLong();
        if (id <= 0) throw InvalidArgument("choose a stored mask (or give the neurons)");
        p.mask = std::to_string(id);
    } else {
        p.neurons = neurons_->text().trimmed().toStdString();
        if (p.neurons.empty()) throw InvalidArgument("give the neurons to remove, L:N[,L:N...]");
    }
    p.comparisonId = comparison_->currentData().toLongLong();
    p.maxShardBytes = static_cast<std::uint64_t>(shardMb_->value()) * 1000000ULL;
    p.dtype = dtype_->currentText().toStdString();
    p.outputDir = output_->text().trimmed().toStdString();
    p.overwrite = overwrite_->isChecked();
    p.validate();
    return p;
}

QString ExportDialog::commandText() const { return command_->text(); }
QString ExportDialog::resultText() const { return result_->toPlainText(); }
QString ExportDialog::statusText() const { return status_->text(); }

void ExportDialog::setStatus(const QString& text, bool error) {
    status_->setText(text);
    status_->setStyleSheet(error ? QStringLiteral("color: #b02020") : QString());
}

void ExportDialog::refresh() {
    mask_->setEnabled(useStored_->isChecked());
    neurons_->setEnabled(!useStored_->isChecked());
    try {
        command_->setText(shellCommand(toQStringList(study::commandLine(params()))));
        command_->setCursorPosition(0);
        command_->setStyleSheet({});
    } catch (const std::exception& e) {
        command_->setText(tr("(incomplete: %1)").arg(QString::fromUtf8(e.what())));
        command_->setStyleSheet(QStringLiteral("color: #8a6d00"));
    }
}

int ExportDialog::run() {
    study::ExportParams p;
    try {
        p = params();
    } catch (const std::exception& e) {
        setStatus(QString::fromUtf8(e.what()), true);
        return 0;
    }
    const std::string bench = checkBench_->currentText().trimmed().toStdString();
    const std::size_t items = static_cast<std::size_t>(checkItems_->value());
    JobSpec spec;
    spec.title = tr("Export to %1").arg(qs(p.outputDir));
    spec.kind = QStringLiteral("export");
    spec.command = toQStringList(study::commandLine(p));
    spec.workspacePath = window_->workspacePath();
    spec.work = [p, bench, items](Progress& progress) {
        const study::ExportResult r = study::runExport(p, progress);
        nlohmann::json out = {{"export", r.summary}};
        if (!bench.empty()) {
            study::ExportCheckParams c;
            c.exportDir = r.written.dir;
            c.modelDir = p.modelDir;
            c.benchmarkPath = bench;
            c.items = items;
            out["check"] = study::checkExport(c, progress).toJson();
            out["check"]["benchmark"] = bench;
        }
        return out;
    };
    setStatus(tr("Exporting (see the Jobs dock)…"));
    result_->clear();
    exportButton_->setEnabled(false);
    QPointer<ExportDialog> self(this);
    lastJob_ = window_->jobs()->start(
        std::move(spec),
        [self](const nlohmann::json& r) {
            if (!self) return;
            self->lastResult_ = r;
            self->exportButton_->setEnabled(true);
            const nlohmann::json& e = r.at("export");
            QString text = tr("Written: %1\nweights: %2 (%3 bytes%4)\ncopied: %5\npruned neurons: %6")
                               .arg(qs(e.value("dir", std::string())))
                               .arg(qs(e.value("weight_files", nlohmann::json::array()).dump()))
                               .arg(e.value("total_size", std::uint64_t{0}))
                               .arg(e.value("sharded", false) ? tr(", sharded") : QString())
                               .arg(qs(e.value("copied_files", nlohmann::json::array()).dump()))
                               .arg(e.value("pruned", 0));
            if (r.contains("check")) {
                const nlohmann::json& c = r.at("check");
                text += tr("\n\nReloaded by Prominence and compared with the source under the mask (activation mask):\n"
                           "max |logit difference| = %1 over %2 items (%3 positions) of %4")
                            .arg(c.at("max_abs_diff").get<double>(), 0, 'g', 3)
                            .arg(c.at("items").get<int>())
                            .arg(c.at("tokens").get<qint64>())
                            .arg(qs(c.value("benchmark", std::string())));
            } else {
                text += tr("\n\n(no benchmark chosen: the export was not reloaded)");
            }
            self->result_->setPlainText(text);
            self->setStatus(tr("Exported; the row is in the navigator under Exports."));
            Q_EMIT self->exportFinished(true);
        },
        [self](const QString& error) {
            if (!self) return;
            self->exportButton_->setEnabled(true);
            self->setStatus(error, true);
            Q_EMIT self->exportFinished(false);
        });
    return lastJob_;
}

}  // namespace prominence::ui
