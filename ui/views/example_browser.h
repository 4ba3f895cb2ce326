#pragma once
// The high-confidence example browser: one eval run's items as a table (a million rows scroll
// smoothly: rows are read a page at a time off the GUI thread), sorted by any stored column and
// filtered by correctness, a p(correct) range dragged on the histogram, selection membership and
// text; a second run of the same benchmark side by side with the items that flipped between them
// (McNemar's discordant pairs); the selected item's exact prompt, options with their probabilities
// and, for loglik scoring, the log-likelihoods and lengths behind acc and acc_norm; the Shortcut
// Lab's planted facts as columns; and "Make a selection" from the filtered rows (study::runSelect,
// the same as `prominence-cli select --filter`).
#include <QWidget>

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/workspace/item_query.h"
#include "ui/workspace/item_table_model.h"
#include "ui/workspace/object_ref.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTextBrowser;
class QTimer;

namespace prominence::ui {

class MainWindow;
class RangeHistogram;

class ExampleBrowser : public QWidget {
    Q_OBJECT
public:
    ExampleBrowser(MainWindow* window, qint64 evalRunId, QWidget* parent = nullptr);

    qint64 runId() const { return runId_; }
    ObjectRef ref() const { return {QStringLiteral("run"), runId_}; }
    // True once the first query's rows are on screen (ready() was emitted).
    bool loaded() const { return loaded_; }
    // A query or the detail pane is being read.
    bool busy() const;

    // Filters and sort; each runs the query again (rowsReady() follows).
    void setRun(qint64 evalRunId);
    void setCorrectFilter(workspace::CorrectFilter f);
    void setPRange(double lo, double hi);
    void setSelectionFilter(std::optional<qint64> selectionId);
    void setTextFilter(const QString& text);
    // A second eval run of the same benchmark (nullopt: none); clears the flip filter when none.
    void setCompareRun(std::optional<qint64> runId);
    void setFlipFilter(workspace::FlipFilter f);
    void setSort(workspace::ItemColumn column, bool ascending);
    workspace::ItemFilter filter() const;
    workspace::ItemSort sortOrder() const;

    // The filtered set: how many rows, and their item indices in row order.
    int filteredCount() const;
    const std::vector<std::int64_t>& filteredItems() const;
    // The item shown in the detail pane (selecting a row shows it; detailReady() follows).
    void selectRow(int row);
    std::optional<std::int64_t> selectedItem() const { return selected_; }
    QString detailHtml() const { return detailHtml_; }
    // Unfolds or folds the exemplars before the question in the detail pane.
    void setExemplarsShown(bool shown);

    // Stores the filtered rows, in their order, as selection `name` of the run (a job); returns its
    // id, or 0 with the reason on the status line.
    int makeSelection(const QString& name);
    QString statusText() const;

    ItemTableModel* model() const { return model_; }
    QTableView* table() const { return table_; }
    RangeHistogram* histogram() const { return histogram_; }

Q_SIGNALS:
    void ready();
    void rowsReady();
    void detailReady();
    void selectionMade(qint64 selectionId);

private:
    void buildUi();
    void fillPickers();
    void fillComparePicker();
    void fillSelectionPicker();
    void loadSource();
    void maybeReady();
    void applyFilter();
    void scheduleFilter();
    void onRowsReady();
    void updateColumns();
    void updateStatus();
    void loadDetail();
    void renderDetail();
    std::map<qint64, QString> selectionNames() const;
    void countFlips();
    void updateFlipLabels();

    MainWindow* window_;
    qint64 runId_;
    ItemTableModel* model_ = nullptr;
    QComboBox* benchmark_ = nullptr;
    QComboBox* run_ = nullptr;
    QComboBox* compare_ = nullptr;
    QComboBox* flip_ = nullptr;
    QComboBox* correct_ = nullptr;
    QComboBox* selection_ = nullptr;
    QLineEdit* search_ = nullptr;
    QDoubleSpinBox* pMin_ = nullptr;
    QDoubleSpinBox* pMax_ = nullptr;
    RangeHistogram* histogram_ = nullptr;
    QTableView* table_ = nullptr;
    QTextBrowser* detailView_ = nullptr;
    QLineEdit* selectionName_ = nullptr;
    QPushButton* makeSelection_ = nullptr;
    QLabel* status_ = nullptr;
    QTimer* debounce_ = nullptr;
    bool loaded_ = false;
    bool firstShown_ = false;  // the first query's first page is on screen
    bool sourcePending_ = false;
    bool detailPending_ = false;
    bool exemplarsShown_ = false;
    std::optional<std::int64_t> selected_;
    struct Detail;
    std::shared_ptr<const Detail> detail_;
    std::map<qint64, QString> madeSelections_;  // stored here, before the snapshot lists them
    std::int64_t total_ = -1;                   // items of the run
    std::int64_t flips_[2] = {-1, -1};          // right here -> wrong there, wrong -> right
    QString detailHtml_;
    QString statusNote_;
    std::uint64_t sourceGeneration_ = 0;
};

}  // namespace prominence::ui
