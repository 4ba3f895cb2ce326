#pragma once
// The comparison view: one stored comparison (a 'compare' run) as researchers read it. Grouped bars
// per benchmark (in-domain first, then transfer), one bar per condition, error bars the stored 95%
// intervals; a toggle to the paired differences of the method against finetune_only or
// random_finetune with their intervals. Below, the in-domain x transfer matrix (this comparison and
// every other stored comparison of the same model, one row per in-domain source), each cell coloured
// by the paired difference and its significance, with McNemar's counts and p-values and the seeds;
// double-clicking a cell asks for the example browser on that benchmark's flipped items. For the
// Shortcut Lab, the ground truth: cue-following per condition, the ablation against random draws and
// the localisation probe. Every chart saves as PNG, SVG or PDF.
//
// The stored table is read first (one io job) and painted; the paired differences, which read every
// eval run's items, follow in a second job; ready() once both are shown (or an error is).
#include <QWidget>

#include <memory>
#include <utility>

#include "core/study/comparison_data.h"

class QComboBox;
class QLabel;
class QTableWidget;
class QTabWidget;

namespace prominence::ui {

// The comparison's data is core's (the report draws the same numbers).
using study::ComparisonCell;
using study::ComparisonData;
using study::MatrixRow;
using study::PairedDifference;
using study::comparisonContrasts;
using study::loadComparisonTable;
using study::loadPairedDifferences;
using study::pairedDifference;

class GroupedBarPlot;
class LineChart;
class MainWindow;

class ComparisonPage : public QWidget {
    Q_OBJECT
public:
    enum class Mode { Accuracy, VsFinetuneOnly, VsRandom };

    // `comparisonRunId`: the 'compare' run whose stored comparison to show.
    ComparisonPage(MainWindow* window, qint64 comparisonRunId, QWidget* parent = nullptr);

    qint64 runId() const { return runId_; }
    bool loaded() const { return data_ != nullptr; }
    bool pairedLoaded() const { return data_ && data_->pairedLoaded; }
    const ComparisonData* data() const { return data_.get(); }
    QString errorText() const { return error_; }
    QString statusText() const;

    Mode mode() const { return mode_; }
    void setMode(Mode mode);
    // The bar chart as drawn, by benchmark and series (a condition, or "method − finetune_only" in the
    // difference modes): NaN when there is no such bar.
    double barHeight(const QString& benchmark, const QString& series) const;
    std::pair<double, double> barError(const QString& benchmark, const QString& series) const;
    GroupedBarPlot* barPlot() const { return bars_; }
    QTableWidget* matrixTable() const { return matrix_; }
    // The Shortcut Lab panel's charts (hidden when the comparison is not the lab's).
    GroupedBarPlot* cuePlot() const { return cue_; }
    LineChart* probePlot() const { return probe_; }
    bool hasGroundTruth() const;
    QString ablationText() const;
    // Saves the chart of the visible tab (the conditions' bars, or the lab's probe) by the file's suffix.
    bool saveFigure(const QString& path, QString* error = nullptr);
    // What double-clicking a matrix cell does: emits openFlipped for the cell's first seed pair.
    bool activateMatrixCell(int row, int column);

Q_SIGNALS:
    void tableShown();  // the stored table is painted (first paint)
    void ready();       // the paired differences are shown too, or an error is
    // The example browser, filtered to the items whose correctness differs between two eval runs.
    void openFlipped(qint64 evalRunA, qint64 evalRunB);

private:
    void load();
    void onTable(std::shared_ptr<ComparisonData> data);
    void onPaired(std::shared_ptr<ComparisonData> data);
    void fail(const QString& message);
    void showBars();
    void showMatrix();
    void showGroundTruth();
    void showMcNemar();
    void chooseAndSave();
    std::pair<std::string, std::string> contrast() const;
    const PairedDifference* cellDifference(int row, int column) const;

    MainWindow* window_;
    qint64 runId_;
    std::shared_ptr<ComparisonData> data_;
    Mode mode_ = Mode::Accuracy;
    QString error_;
    QLabel* title_ = nullptr;
    QLabel* status_ = nullptr;
    QComboBox* modeBox_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    GroupedBarPlot* bars_ = nullptr;
    QTableWidget* matrix_ = nullptr;
    QLabel* mcnemar_ = nullptr;
    QWidget* labTab_ = nullptr;
    GroupedBarPlot* cue_ = nullptr;
    LineChart* probe_ = nullptr;
    QLabel* ablation_ = nullptr;
    QStringList matrixColumns_;
};

}  // namespace prominence::ui
