#pragma once
// The example browser's table over one eval run's items. The model never holds the run: a query
// (core's workspace::ItemQuery, as an io job) gives the filtered items' indices in sort order and the
// p(correct) histogram; the rows themselves are read a page at a time, as io jobs, when the view
// first asks for them, and a bounded cache keeps the pages near the ones on screen. Until a page
// arrives its cells show an ellipsis, so scrolling a million rows never waits on the workspace.
#include <QAbstractTableModel>
#include <QString>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/workspace/item_query.h"

namespace prominence::ui {

class JobRunner;

// The Shortcut Lab's planted facts of one item (core/lab's benchmark files carry them).
struct LabFact {
    std::string task;
    int cue = -1;  // option the planted tags point to; -1: no tags
    bool ambiguous = false;
};
using LabFacts = std::map<std::string, LabFact>;  // by item id

class ItemTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        ColIndex,
        ColId,
        ColQuestion,
        ColGold,
        ColPred,
        ColPCorrect,
        ColMargin,
        ColCorrect,
        ColSelections,
        ColComparePCorrect,
        ColDelta,
        ColCue,
        ColAmbiguous,
        ColFollowsCue,
        ColumnCount
    };
    // Rows per page read at once.
    static constexpr int kPageRows = 128;
    // Pages kept; the ones farthest from the last page read are dropped first.
    static constexpr int kCachedPages = 48;
    // Bars of the p(correct) histogram.
    static constexpr int kBins = 50;

    explicit ItemTableModel(JobRunner* jobs, QObject* parent = nullptr);

    // The run browsed and what its cells name (selection ids -> names, lab facts or null). Clears the
    // table; setQuery() fills it.
    void setSource(const QString& workspacePath, qint64 runId, std::map<qint64, QString> selectionNames,
                   std::shared_ptr<const LabFacts> lab);
    void setSelectionNames(std::map<qint64, QString> names);
    // The lab's planted facts, when they arrive after the rows (null: not a lab benchmark).
    void setLab(std::shared_ptr<const LabFacts> lab);
    // Runs the query as a job; queryFinished() or queryFailed() follows (a newer query replaces an
    // older one still running, which is cancelled).
    void setQuery(const workspace::ItemFilter& filter, const workspace::ItemSort& sort);

    qint64 runId() const { return runId_; }
    const workspace::ItemFilter& filter() const { return filter_; }
    const workspace::ItemSort& sortOrder() const { return sort_; }
    bool busy() const { return queryJob_ != 0; }
    bool hasLab() const { return lab_ != nullptr && !lab_->empty(); }
    const std::shared_ptr<const LabFacts>& lab() const { return lab_; }
    // The filtered items in row order (the last finished query).
    const std::vector<std::int64_t>& indices() const;
    std::int64_t itemAt(int row) const;
    // The row's values, or null while its page is not read.
    const workspace::ItemRow* rowAt(int row) const;
    const workspace::PCorrectHistogram& histogram() const { return histogram_; }
    double lastQueryMs() const { return lastQueryMs_; }
    QString lastError() const { return lastError_; }
    // Pages being read (tests and the bench wait for none).
    int pendingPages() const { return static_cast<int>(pending_.size()); }
    int cachedPages() const { return static_cast<int>(pages_.size()); }
    // Asks for the pages of rows first..last now (the view asks as it paints).
    void fetchRows(int first, int last);

    // The ItemQuery column a table column sorts by; nothing for the lab's columns (not stored in the
    // workspace, so not in SQL).
    static std::optional<workspace::ItemColumn> sortColumnOf(int column);
    static int columnOf(workspace::ItemColumn c);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order) override;

Q_SIGNALS:
    void queryFinished();
    void queryFailed(const QString& error);
    void pageLoaded(int firstRow, int lastRow);

private:
    using Page = std::vector<workspace::ItemRow>;
    void requestPage(int page) const;
    void onPage(std::uint64_t generation, int page, std::shared_ptr<Page> rows);
    QString optionLabel(const workspace::ItemRow& r, std::int64_t option) const;
    const LabFact* labFact(const workspace::ItemRow& r) const;

    JobRunner* jobs_;
    QString workspacePath_;
    qint64 runId_ = 0;
    std::map<qint64, QString> selectionNames_;
    std::shared_ptr<const LabFacts> lab_;
    workspace::ItemFilter filter_;
    workspace::ItemSort sort_;
    std::shared_ptr<const std::vector<std::int64_t>> indices_;
    workspace::PCorrectHistogram histogram_;
    std::uint64_t generation_ = 0;
    int queryJob_ = 0;
    double lastQueryMs_ = 0.0;
    QString lastError_;
    std::map<int, std::shared_ptr<Page>> pages_;
    mutable std::set<int> pending_;
};

}  // namespace prominence::ui
