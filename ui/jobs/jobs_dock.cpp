#include "ui/jobs/jobs_dock.h"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include "ui/jobs/command_text.h"

namespace prominence::ui {

QString formatDuration(qint64 ms) {
    if (ms < 0) return QStringLiteral("—");
    const qint64 s = ms / 1000;
    if (s < 60) return QStringLiteral("%1.%2 s").arg(s).arg((ms % 1000) / 100);
    if (s < 3600) return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2:%3").arg(s / 3600).arg((s / 60) % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'));
}

JobsModel::JobsModel(JobRunner* runner, QObject* parent) : QAbstractTableModel(parent), runner_(runner) {
    connect(runner, &JobRunner::jobAdded, this, [this](int id) {
        const JobRecord* j = runner_->job(id);
        if (!j || !j->spec.visible) return;
        beginInsertRows({}, ids_.size(), ids_.size());
        ids_ << id;
        endInsertRows();
    });
    connect(runner, &JobRunner::jobChanged, this, [this](int id) {
        const int r = rowOf(id);
        if (r >= 0) Q_EMIT dataChanged(index(r, 0), index(r, ColumnCount - 1));
    });
}

int JobsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ids_.size(); }
int JobsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }
int JobsModel::rowOf(int jobId) const { return ids_.indexOf(jobId); }
int JobsModel::jobIdAt(int row) const { return row >= 0 && row < ids_.size() ? ids_[row] : 0; }

QVariant JobsModel::data(const QModelIndex& index, int role) const {
    const JobRecord* j = runner_->job(jobIdAt(index.row()));
    if (!j) return {};
    if (role == JobIdRole) return j->id;
    if (role == FractionRole)
        return j->state == JobState::Finished ? 1.0 : (j->total > 0 ? static_cast<double>(j->done) / static_cast<double>(j->total) : -1.0);
    if (role == Qt::ToolTipRole) {
        QString tip = j->spec.title;
        if (!j->spec.command.isEmpty()) tip += QStringLiteral("\n") + shellCommand(j->spec.command);
        if (!j->error.isEmpty()) tip += QStringLiteral("\n\n") + j->error;
        return tip;
    }
    if (role == Qt::ForegroundRole && index.column() == StateColumn) {
        if (j->state == JobState::Failed) return QColor(0xb0, 0x20, 0x20);
        if (j->state == JobState::Cancelled) return QColor(0x9a, 0x6a, 0x00);
        if (j->state == JobState::Running) return QColor(0x1a, 0x5f, 0xb4);
    }
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case TitleColumn: return j->spec.title;
    case StateColumn: return jobStateName(j->state);
    case ProgressColumn: {
        QString text = j->stage;
        if (j->total > 0) text += QStringLiteral("  %1/%2").arg(j->done).arg(j->total);
        if (j->state == JobState::Failed) text = j->error.section(QLatin1Char('\n'), 0, 0);
        return text;
    }
    case ElapsedColumn:
        if (j->state == JobState::Queued) return QStringLiteral("—");
        return formatDuration(j->finished() ? j->elapsedMs : j->clock.elapsed());
    case EtaColumn: return j->state == JobState::Running ? formatDuration(j->etaMs()) : QString();
    default: return {};
    }
}

QVariant JobsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case TitleColumn: return tr("Job");
    case StateColumn: return tr("State");
    case ProgressColumn: return tr("Progress");
    case ElapsedColumn: return tr("Elapsed");
    case EtaColumn: return tr("ETA");
    default: return {};
    }
}

void JobsModel::clearFinished() {
    beginResetModel();
    ids_.erase(std::remove_if(ids_.begin(), ids_.end(), [this](int id) {
                   const JobRecord* j = runner_->job(id);
                   return !j || j->finished();
               }),
               ids_.end());
    endResetModel();
}

void JobsModel::tick() {
    for (int r = 0; r < ids_.size(); ++r)
        if (const JobRecord* j = runner_->job(ids_[r]); j && j->state == JobState::Running)
            Q_EMIT dataChanged(index(r, ElapsedColumn), index(r, EtaColumn));
}

namespace {

// Draws a progress bar under the stage text; an indeterminate job shows only its stage.
class ProgressDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        const double fraction = index.data(JobsModel::FractionRole).toDouble();
        if (fraction < 0) {
            QStyledItemDelegate::paint(painter, option, index);
            return;
        }
        QStyleOptionProgressBar bar;
        bar.rect = option.rect.adjusted(2, 2, -2, -2);
        bar.minimum = 0;
        bar.maximum = 1000;
        bar.progress = static_cast<int>(fraction * 1000);
        bar.text = index.data(Qt::DisplayRole).toString();
        bar.textVisible = true;
        bar.state = option.state | QStyle::State_Horizontal;
        QApplication::style()->drawControl(QStyle::CE_ProgressBar, &bar, painter);
    }
};

}  // namespace

JobsDock::JobsDock(JobRunner* runner, QWidget* parent) : QWidget(parent), runner_(runner) {
    setObjectName(QStringLiteral("jobsDockWidget"));
    model_ = new JobsModel(runner, this);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    view_ = new QTableView(this);
    view_->setObjectName(QStringLiteral("jobsView"));
    view_->setModel(model_);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->verticalHeader()->hide();
    view_->horizontalHeader()->setStretchLastSection(false);
    view_->horizontalHeader()->setSectionResizeMode(JobsModel::TitleColumn, QHeaderView::Stretch);
    view_->horizontalHeader()->setSectionResizeMode(JobsModel::ProgressColumn, QHeaderView::Stretch);
    view_->setItemDelegateForColumn(JobsModel::ProgressColumn, new ProgressDelegate(view_));
    layout->addWidget(view_, 3);

    auto* buttons = new QHBoxLayout;
    cancel_ = new QPushButton(tr("Cancel"), this);
    cancel_->setObjectName(QStringLiteral("cancelJobButton"));
    cancel_->setToolTip(tr("Stop the selected job after its current step; finished items stay in the workspace"));
    copy_ = new QPushButton(tr("Copy as command"), this);
    copy_->setObjectName(QStringLiteral("copyJobCommandButton"));
    copy_->setToolTip(tr("Put the prominence-cli command that repeats this job on the clipboard"));
    clear_ = new QPushButton(tr("Clear finished"), this);
    clear_->setToolTip(tr("Remove finished, failed and cancelled jobs from this list"));
    buttons->addWidget(cancel_);
    buttons->addWidget(copy_);
    buttons->addStretch(1);
    buttons->addWidget(clear_);
    layout->addLayout(buttons);

    detail_ = new QPlainTextEdit(this);
    detail_->setObjectName(QStringLiteral("jobDetail"));
    detail_->setReadOnly(true);
    detail_->setPlaceholderText(tr("Select a job to see its command and, if it failed, the whole error."));
    detail_->setMaximumHeight(64);
    layout->addWidget(detail_, 1);

    connect(cancel_, &QPushButton::clicked, this, [this] { runner_->cancel(currentJob()); });
    connect(copy_, &QPushButton::clicked, this, [this] {
        if (const JobRecord* j = runner_->job(currentJob()))
            QGuiApplication::clipboard()->setText(shellCommand(j->spec.command));
    });
    connect(clear_, &QPushButton::clicked, this, [this] { model_->clearFinished(); updateButtons(); });
    connect(view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] { updateButtons(); });
    connect(runner_, &JobRunner::jobChanged, this, [this](int id) { if (id == currentJob()) updateButtons(); });
    connect(runner_, &JobRunner::jobAdded, this, [this] {
        view_->selectRow(model_->rowCount() - 1);
        updateButtons();
    });
    ticker_ = new QTimer(this);
    ticker_->setInterval(500);
    connect(ticker_, &QTimer::timeout, model_, &JobsModel::tick);
    ticker_->start();
    updateButtons();
}

int JobsDock::currentJob() const {
    const QModelIndex i = view_->currentIndex();
    return i.isValid() ? model_->jobIdAt(i.row()) : 0;
}

void JobsDock::updateButtons() {
    const JobRecord* j = runner_->job(currentJob());
    cancel_->setEnabled(j && !j->finished() && !j->cancel->cancelled());
    copy_->setEnabled(j && !j->spec.command.isEmpty());
    if (!j) {
        detail_->clear();
        return;
    }
    QString text = j->spec.command.isEmpty() ? j->spec.title : shellCommand(j->spec.command);
    if (!j->error.isEmpty()) text += QStringLiteral("\n\nError: ") + j->error;
    if (detail_->toPlainText() != text) detail_->setPlainText(text);
}

}  // namespace prominence::ui
