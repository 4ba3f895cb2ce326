#include "ui/forms/step_form.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <mutex>

#include "core/common/error.h"
#include "ui/jobs/command_text.h"
#include "ui/main_window.h"

namespace prominence::ui {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

bool refMatches(RefKind kind, const workspace::RunRecord& r) {
    const bool completed = r.status == workspace::RunStatus::Completed;
    switch (kind) {
    case RefKind::EvalRun: return r.kind == "eval";
    case RefKind::CompletedEvalRun: return r.kind == "eval" && completed;
    case RefKind::AttributionRun: return r.kind == "attribution";
    case RefKind::CompletedAttributionRun: return r.kind == "attribution" && completed;
    default: return false;
    }
}

}  // namespace

std::vector<int> parseLayerList(const QString& text, const char* what) {
    std::vector<int> out;
    const QString t = text.trimmed();
    if (t.isEmpty() || t == QLatin1String("all") || t == QLatin1String("none")) return out;
    for (const QString& part : t.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const int v = part.trimmed().toInt(&ok);
        if (!ok || v < 0)
            throw InvalidArgument(std::string(what) + ": expected layer indices (comma-separated), got '" + part.toStdString() + "'");
        out.push_back(v);
    }
    return out;
}

StepForm::StepForm(QString name, QString title, MainWindow* window)
    : QWidget(nullptr), name_(std::move(name)), title_(std::move(title)), window_(window) {
    setObjectName(QStringLiteral("form_") + name_);
    auto* top = new QVBoxLayout(this);
    top->setContentsMargins(0, 0, 0, 0);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* inner = new QWidget(scroll);
    outer_ = new QVBoxLayout(inner);
    outer_->setContentsMargins(20, 16, 20, 16);
    auto* heading = new QLabel(QStringLiteral("<h2>%1</h2>").arg(title_.toHtmlEscaped()), inner);
    outer_->addWidget(heading);
    form_ = new QFormLayout;
    form_->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form_->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    outer_->addLayout(form_);
    scroll->setWidget(inner);
    top->addWidget(scroll);
}

QWidget* StepForm::field(const QString& key) const {
    auto it = fields_.find(key);
    return it == fields_.end() ? nullptr : it->second;
}

void StepForm::addSection(const QString& title) {
    auto* label = new QLabel(QStringLiteral("<b>%1</b>").arg(title.toHtmlEscaped()), this);
    label->setContentsMargins(0, 10, 0, 2);
    form_->addRow(label);
}

QLineEdit* StepForm::addPath(const QString& key, const QString& label, const QString& tip, PathKind kind,
                             const QString& defaultValue, const QString& filter) {
    auto* row = new QWidget(this);
    auto* h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    auto* edit = new QLineEdit(defaultValue, row);
    edit->setObjectName(key);
    edit->setToolTip(tip);
    edit->setClearButtonEnabled(true);
    auto* browse = new QToolButton(row);
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(tr("Browse"));
    h->addWidget(edit, 1);
    h->addWidget(browse);
    connect(browse, &QToolButton::clicked, this, [this, edit, kind, filter, label] {
        QString chosen;
        switch (kind) {
        case PathKind::File: chosen = QFileDialog::getOpenFileName(this, label, edit->text(), filter); break;
        case PathKind::Directory: chosen = QFileDialog::getExistingDirectory(this, label, edit->text()); break;
        case PathKind::SaveFile: chosen = QFileDialog::getSaveFileName(this, label, edit->text(), filter); break;
        case PathKind::SaveDirectory: chosen = QFileDialog::getExistingDirectory(this, label, edit->text()); break;
        }
        if (!chosen.isEmpty()) edit->setText(chosen);
    });
    connect(edit, &QLineEdit::textChanged, this, &StepForm::refreshCommand);
    form_->addRow(label, row);
    fields_[key] = edit;
    defaults_[key] = defaultValue;
    return edit;
}

QSpinBox* StepForm::addInt(const QString& key, const QString& label, const QString& tip, int min, int max, int def) {
    auto* spin = new QSpinBox(this);
    spin->setObjectName(key);
    spin->setRange(min, max);
    spin->setValue(def);
    spin->setToolTip(tip + tr(" (default %1)").arg(def));
    spin->setMaximumWidth(160);
    connect(spin, qOverload<int>(&QSpinBox::valueChanged), this, &StepForm::refreshCommand);
    form_->addRow(label, spin);
    fields_[key] = spin;
    defaults_[key] = def;
    return spin;
}

QDoubleSpinBox* StepForm::addDouble(const QString& key, const QString& label, const QString& tip, double min,
                                    double max, double def, int decimals) {
    auto* spin = new QDoubleSpinBox(this);
    spin->setObjectName(key);
    spin->setDecimals(decimals);
    spin->setRange(min, max);
    spin->setValue(def);
    spin->setSingleStep(std::pow(10.0, -std::min(decimals, 2)));
    spin->setToolTip(tip + tr(" (default %1)").arg(def));
    spin->setMaximumWidth(160);
    connect(spin, qOverload<double>(&QDoubleSpinBox::valueChanged), this, &StepForm::refreshCommand);
    form_->addRow(label, spin);
    fields_[key] = spin;
    defaults_[key] = def;
    return spin;
}

QComboBox* StepForm::addChoice(const QString& key, const QString& label, const QString& tip, const QStringList& choices,
                               const QString& def) {
    auto* combo = new QComboBox(this);
    combo->setObjectName(key);
    combo->addItems(choices);
    combo->setCurrentText(def);
    combo->setToolTip(tip + tr(" (default %1)").arg(def));
    combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(combo, &QComboBox::currentTextChanged, this, &StepForm::refreshCommand);
    form_->addRow(label, combo);
    fields_[key] = combo;
    defaults_[key] = def;
    return combo;
}

QCheckBox* StepForm::addFlag(const QString& key, const QString& label, const QString& tip, bool def) {
    auto* box = new QCheckBox(label, this);
    box->setObjectName(key);
    box->setChecked(def);
    box->setToolTip(tip);
    connect(box, &QCheckBox::toggled, this, &StepForm::refreshCommand);
    form_->addRow(QString(), box);
    fields_[key] = box;
    defaults_[key] = def;
    return box;
}

QLineEdit* StepForm::addText(const QString& key, const QString& label, const QString& tip, const QString& def,
                             const QString& placeholder) {
    auto* edit = new QLineEdit(def, this);
    edit->setObjectName(key);
    edit->setToolTip(tip);
    edit->setPlaceholderText(placeholder);
    connect(edit, &QLineEdit::textChanged, this, &StepForm::refreshCommand);
    form_->addRow(label, edit);
    fields_[key] = edit;
    defaults_[key] = def;
    return edit;
}

QComboBox* StepForm::addRef(const QString& key, const QString& label, const QString& tip, RefKind kind, bool optional) {
    auto* combo = new QComboBox(this);
    combo->setObjectName(key);
    combo->setToolTip(tip);
    combo->setProperty("optionalRef", optional);
    combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    combo->setMinimumContentsLength(40);
    connect(combo, qOverload<int>(&QComboBox::currentIndexChanged), this, &StepForm::refreshCommand);
    form_->addRow(label, combo);
    fields_[key] = combo;
    defaults_[key] = QVariant();
    refKinds_[key] = kind;
    return combo;
}

QListWidget* StepForm::addRefList(const QString& key, const QString& label, const QString& tip, RefKind kind) {
    auto* list = new QListWidget(this);
    list->setObjectName(key);
    list->setToolTip(tip);
    list->setMaximumHeight(110);
    connect(list, &QListWidget::itemChanged, this, &StepForm::refreshCommand);
    form_->addRow(label, list);
    fields_[key] = list;
    defaults_[key] = QVariant();
    refKinds_[key] = kind;
    return list;
}

void StepForm::addWidgetRow(QWidget* widget) { form_->addRow(widget); }

void StepForm::setFieldEnabled(const QString& key, bool on) {
    QWidget* w = field(key);
    if (!w) return;
    // Path fields sit in a row widget with their browse button.
    QWidget* row = qobject_cast<QLineEdit*>(w) && w->parentWidget() != this && w->parentWidget()->layout() &&
                           qobject_cast<QHBoxLayout*>(w->parentWidget()->layout())
                       ? w->parentWidget()
                       : w;
    row->setEnabled(on);
    if (QWidget* label = form_->labelForField(row)) label->setEnabled(on);
}

void StepForm::finish() {
    auto* previewLabel = new QLabel(tr("Equivalent command:"), this);
    outer_->addSpacing(8);
    outer_->addWidget(previewLabel);
    preview_ = new QLineEdit(this);
    preview_->setObjectName(QStringLiteral("commandPreview"));
    preview_->setReadOnly(true);
    preview_->setToolTip(tr("The prominence-cli command that does exactly what Run does"));
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::TypeWriter);
    preview_->setFont(mono);
    outer_->addWidget(preview_);

    auto* buttons = new QHBoxLayout;
    auto* copy = new QPushButton(tr("Copy as command"), this);
    copy->setObjectName(QStringLiteral("copyCommandButton"));
    copy->setToolTip(tr("Put the equivalent prominence-cli command on the clipboard"));
    runButton_ = new QPushButton(tr("Run"), this);
    runButton_->setObjectName(QStringLiteral("runButton"));
    runButton_->setDefault(true);
    runButton_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    runButton_->setToolTip(tr("Start this step as a job (Ctrl+Enter); progress and Cancel are in the Jobs dock"));
    auto* reset = new QPushButton(tr("Defaults"), this);
    reset->setToolTip(tr("Put every field back to its default (the CLI's)"));
    buttons->addWidget(reset);
    buttons->addStretch(1);
    buttons->addWidget(copy);
    buttons->addWidget(runButton_);
    outer_->addLayout(buttons);
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("formStatus"));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    outer_->addWidget(status_);
    result_ = new QPlainTextEdit(this);
    result_->setObjectName(QStringLiteral("formResult"));
    result_->setReadOnly(true);
    result_->setPlaceholderText(tr("The job's result appears here."));
    result_->setMaximumHeight(160);
    result_->setFont(mono);
    outer_->addWidget(result_);
    outer_->addStretch(1);

    connect(copy, &QPushButton::clicked, this, [this] {
        try {
            QGuiApplication::clipboard()->setText(shellCommand(command()));
            setStatus(tr("Command copied to the clipboard."));
        } catch (const std::exception& e) {
            setStatus(QString::fromUtf8(e.what()), true);
        }
    });
    connect(runButton_, &QPushButton::clicked, this, [this] { run(); });
    connect(reset, &QPushButton::clicked, this, [this] {
        for (const auto& [key, def] : defaults_)
            if (def.isValid()) setValue(key, def);
    });
    restore();
    refreshCommand();
}

void StepForm::setValue(const QString& key, const QVariant& v) {
    QWidget* w = field(key);
    if (!w) throw InvalidArgument("form " + name_.toStdString() + " has no field '" + key.toStdString() + "'");
    if (auto* e = qobject_cast<QLineEdit*>(w)) e->setText(v.toString());
    else if (auto* s = qobject_cast<QSpinBox*>(w)) s->setValue(v.toInt());
    else if (auto* d = qobject_cast<QDoubleSpinBox*>(w)) d->setValue(v.toDouble());
    else if (auto* c = qobject_cast<QCheckBox*>(w)) c->setChecked(v.toBool());
    else if (auto* l = qobject_cast<QListWidget*>(w)) {
        QList<qint64> wanted;
        for (const QVariant& x : v.toList()) wanted << x.toLongLong();
        for (int i = 0; i < l->count(); ++i)
            l->item(i)->setCheckState(wanted.contains(l->item(i)->data(Qt::UserRole).toLongLong()) ? Qt::Checked : Qt::Unchecked);
    } else if (auto* c = qobject_cast<QComboBox*>(w)) {
        if (refKinds_.count(key)) {
            const int i = c->findData(v.toLongLong());
            if (i < 0 && v.isValid())
                throw InvalidArgument("form " + name_.toStdString() + ": '" + key.toStdString() + "' has no entry with id " +
                                      v.toString().toStdString());
            c->setCurrentIndex(i);
        } else {
            c->setCurrentText(v.toString());
        }
    }
}

QVariant StepForm::value(const QString& key) const {
    QWidget* w = field(key);
    if (!w) return {};
    if (auto* e = qobject_cast<QLineEdit*>(w)) return e->text();
    if (auto* s = qobject_cast<QSpinBox*>(w)) return s->value();
    if (auto* d = qobject_cast<QDoubleSpinBox*>(w)) return d->value();
    if (auto* c = qobject_cast<QCheckBox*>(w)) return c->isChecked();
    if (auto* l = qobject_cast<QListWidget*>(w)) {
        QVariantList out;
        for (int i = 0; i < l->count(); ++i)
            if (l->item(i)->checkState() == Qt::Checked) out << l->item(i)->data(Qt::UserRole);
        return out;
    }
    if (auto* c = qobject_cast<QComboBox*>(w)) return refKinds_.count(key) ? c->currentData() : QVariant(c->currentText());
    return {};
}

std::vector<std::int64_t> StepForm::ids(const QString& key) const {
    std::vector<std::int64_t> out;
    for (const QVariant& v : value(key).toList()) out.push_back(v.toLongLong());
    return out;
}

std::string StepForm::workspace() const {
    if (!window_ || window_->workspacePath().isEmpty())
        throw InvalidArgument("open or create a workspace first (File ▸ Open / New)");
    return window_->workspacePath().toStdString();
}

void StepForm::setSnapshot(const StudySnapshot& snapshot) {
    snapshot_ = snapshot;
    fillRefs();
    snapshotChanged();
    refreshCommand();
}

void StepForm::fillRefs() {
    for (const auto& [key, kind] : refKinds_) {
        QWidget* w = field(key);
        QList<QPair<QString, qint64>> entries;
        auto addRun = [&](const workspace::RunRecord& r) {
            QString text = QStringLiteral("#%1 %2").arg(r.id).arg(qs(r.name.empty() ? r.kind : r.name));
            const std::string key = runKeyNumber(r);
            if (!key.empty()) text += QStringLiteral(" — ") + qs(key);
            if (r.status != workspace::RunStatus::Completed) text += QStringLiteral(" [") + qs(workspace::runStatusName(r.status)) + QStringLiteral("]");
            entries.append({text, r.id});
        };
        switch (kind) {
        case RefKind::EvalRun:
        case RefKind::CompletedEvalRun:
        case RefKind::AttributionRun:
        case RefKind::CompletedAttributionRun:
            for (const auto& r : snapshot_.runs)
                if (refMatches(kind, r)) addRun(r);
            break;
        case RefKind::Selection:
            for (const auto& s : snapshot_.selections) {
                const auto* r = snapshot_.run(s.runId);
                entries.append({QStringLiteral("#%1 %2 — %3 items of eval #%4 %5")
                                    .arg(s.id)
                                    .arg(qs(s.name))
                                    .arg(s.items)
                                    .arg(s.runId)
                                    .arg(r ? qs(r->name) : QString()),
                                s.id});
            }
            break;
        case RefKind::Mask:
            for (const auto& m : snapshot_.masks)
                entries.append({QStringLiteral("#%1 %2 — %3 neurons").arg(m.id).arg(qs(m.name)).arg(m.neuronCount), m.id});
            break;
        case RefKind::Comparison:
            for (const auto& c : snapshot_.comparisons)
                entries.append({QStringLiteral("#%1 %2 (run %3)").arg(c.id).arg(qs(c.name)).arg(c.runId), c.id});
            break;
        case RefKind::Model:
            for (const auto& m : snapshot_.models) entries.append({QStringLiteral("#%1 %2").arg(m.id).arg(qs(m.path)), m.id});
            break;
        }
        if (auto* combo = qobject_cast<QComboBox*>(w)) {
            const QVariant current = combo->currentData();
            const QSignalBlocker block(combo);
            combo->clear();
            if (combo->property("optionalRef").toBool()) combo->addItem(tr("(none)"), qint64(0));
            for (const auto& [text, id] : entries) combo->addItem(text, id);
            const int i = current.isValid() ? combo->findData(current) : -1;
            combo->setCurrentIndex(i >= 0 ? i : combo->count() - 1);
        } else if (auto* list = qobject_cast<QListWidget*>(w)) {
            QList<qint64> checked;
            for (int i = 0; i < list->count(); ++i)
                if (list->item(i)->checkState() == Qt::Checked) checked << list->item(i)->data(Qt::UserRole).toLongLong();
            const QSignalBlocker block(list);
            list->clear();
            for (const auto& [text, id] : entries) {
                auto* item = new QListWidgetItem(text, list);
                item->setData(Qt::UserRole, id);
                item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
                item->setCheckState(checked.contains(id) ? Qt::Checked : Qt::Unchecked);
            }
        }
    }
}

void StepForm::refreshCommand() {
    if (!preview_ || restoring_) return;
    try {
        preview_->setText(shellCommand(command()));
        preview_->setCursorPosition(0);
        preview_->setStyleSheet({});
    } catch (const std::exception& e) {
        preview_->setText(tr("(incomplete: %1)").arg(QString::fromUtf8(e.what())));
        preview_->setStyleSheet(QStringLiteral("color: #8a6d00"));
    }
    valuesChanged();
}

QString StepForm::commandPreview() const { return preview_ ? preview_->text() : QString(); }
QString StepForm::statusText() const { return status_ ? status_->text() : QString(); }

void StepForm::setStatus(const QString& text, bool error) {
    if (!status_) return;
    status_->setText(text);
    status_->setStyleSheet(error ? QStringLiteral("color: #b02020") : QString());
}

void StepForm::remember() const {
    QSettings s;
    s.beginGroup(QStringLiteral("forms/") + name_);
    for (const auto& [key, w] : fields_) {
        if (refKinds_.count(key)) continue;  // ids belong to one workspace
        s.setValue(key, value(key));
    }
}

void StepForm::restore() {
    restoring_ = true;
    QSettings s;
    s.beginGroup(QStringLiteral("forms/") + name_);
    for (const auto& [key, w] : fields_) {
        if (refKinds_.count(key) || !s.contains(key)) continue;
        try {
            setValue(key, s.value(key));
        } catch (const std::exception&) {
            // A remembered value this version no longer accepts: keep the default.
        }
    }
    restoring_ = false;
}

JobSpec StepForm::stepJob(const QString& title,
                          std::function<nlohmann::json(Progress&, const std::function<void(const std::string&)>&)> work) const {
    JobSpec spec;
    spec.title = title;
    spec.kind = name_;
    spec.command = command();
    spec.workspacePath = window_ ? window_->workspacePath() : QString();
    spec.work = [work = std::move(work)](Progress& progress) {
        auto notes = std::make_shared<std::vector<std::string>>();
        auto mutex = std::make_shared<std::mutex>();
        const std::function<void(const std::string&)> log = [notes, mutex](const std::string& m) {
            std::lock_guard<std::mutex> lock(*mutex);
            notes->push_back(m);
        };
        nlohmann::json result = work(progress, log);
        if (!notes->empty()) result["_notes"] = *notes;
        return result;
    };
    return spec;
}

int StepForm::run() {
    JobSpec spec;
    try {
        spec = buildJob();
    } catch (const std::exception& e) {
        setStatus(QString::fromUtf8(e.what()), true);
        return 0;
    }
    remember();
    setStatus(tr("Running as a job (see the Jobs dock)…"));
    result_->clear();
    QPointer<StepForm> self(this);
    const int id = window_->jobs()->start(
        std::move(spec),
        [self](const nlohmann::json& result) {
            if (!self) return;
            self->setStatus(tr("Finished."));
            // A step that prints a text report (the Shortcut Lab's table) shows it as the CLI prints it.
            if (result.contains("report") && result.at("report").is_string())
                self->result_->setPlainText(qs(result.at("report").get<std::string>()));
            else
                self->result_->setPlainText(qs(result.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)));
            Q_EMIT self->jobEnded(self->lastJob_);
        },
        [self](const QString& error) {
            if (!self) return;
            self->setStatus(error, true);
            Q_EMIT self->jobEnded(self->lastJob_);
        });
    lastJob_ = id;
    connect(window_->jobs(), &JobRunner::jobFinished, this, [this, id](int done) {
        const JobRecord* j = window_->jobs()->job(done);
        if (done == id && j && j->state == JobState::Cancelled) {
            setStatus(tr("Cancelled; finished items stay in the workspace."));
            Q_EMIT jobEnded(id);
        }
    });
    Q_EMIT jobStarted(id);
    return id;
}

}  // namespace prominence::ui
