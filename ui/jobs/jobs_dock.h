#pragma once
// The Jobs dock: queued, running and finished jobs with their progress, elapsed time and ETA, a
// Cancel button, "Copy as command", and the full error text of a failed job (errors stay until the
// list is cleared, as users of long-running tools ask).
#include <QAbstractTableModel>
#include <QWidget>

#include "ui/jobs/job_runner.h"

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QTimer;

namespace prominence::ui {

class JobsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TitleColumn = 0, StateColumn, ProgressColumn, ElapsedColumn, EtaColumn, ColumnCount };
    enum Role { JobIdRole = Qt::UserRole + 1, FractionRole };

    explicit JobsModel(JobRunner* runner, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    int jobIdAt(int row) const;
    void clearFinished();
    // Elapsed times of running jobs move without progress reports.
    void tick();

private:
    int rowOf(int jobId) const;

    JobRunner* runner_;
    QList<int> ids_;  // visible jobs, newest last
};

QString formatDuration(qint64 ms);

class JobsDock : public QWidget {
    Q_OBJECT
public:
    explicit JobsDock(JobRunner* runner, QWidget* parent = nullptr);
    JobsModel* model() const { return model_; }
    QTableView* view() const { return view_; }

private:
    void updateButtons();
    int currentJob() const;

    JobRunner* runner_;
    JobsModel* model_;
    QTableView* view_;
    QPushButton* cancel_;
    QPushButton* copy_;
    QPushButton* clear_;
    QPlainTextEdit* detail_;
    QTimer* ticker_;
};

}  // namespace prominence::ui
