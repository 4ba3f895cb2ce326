#pragma once
// The view researchers open Prominence for: every MLP neuron of an attribution run at a glance. One tab
// per attribution run: the metric (every stored matrix of the run, per dataset), colour scale and range,
// neuron order, "go to L:N"; the heatmap; beside it the top neurons, the mask being built (click to
// toggle, shift-drag to add, ctrl-drag to remove, every edit undoable; save with its provenance, open a
// stored one), the threshold panel (a policy previewed live on the map, its per-layer counts, merged
// into the mask), and the inspector of the selected neuron.
#include <QWidget>

#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "ui/views/heatmap_plot.h"
#include "ui/views/histogram_plot.h"
#include "ui/views/mask_editor.h"
#include "ui/workspace/object_ref.h"
#include "ui/workspace/study_snapshot.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QStandardItemModel;
class QTableView;
class QTabWidget;
class QTextBrowser;

namespace prominence::ui {

class BarPlot;
class HistogramPlot;
struct RankIndex;
class MainWindow;

// The stored matrices of one attribution run, read off the GUI thread.
struct RunMatrices {
    workspace::RunRecord run;
    std::vector<workspace::NeuronScores> scores;
    std::optional<workspace::Id> modelId;
    std::string modelDir;
};

class HeatmapPage : public QWidget {
    Q_OBJECT
public:
    // `initialScores`: the matrix to show first (a scores row opened from the navigator), or 0.
    HeatmapPage(MainWindow* window, qint64 runId, qint64 initialScores = 0);

    qint64 runId() const { return runId_; }
    ObjectRef ref() const { return {QStringLiteral("run"), runId_}; }
    bool loaded() const { return matrices_ != nullptr; }
    HeatmapPlot* plot() const { return plot_; }
    MaskEditor* maskEditor() const { return editor_; }
    // The matrix shown, by its id; selects it (tests, --open scores:ID).
    qint64 currentScores() const;
    bool setCurrentScores(qint64 scoresId);
    void setSortedOrder(bool sorted);
    // The side panel's tab: "top", "mask", "threshold" or "neuron"; false for another name.
    bool setSideTab(const QString& name);
    // A view state built step by step (the screenshot mode's --heatmap): comma-separated "tab=NAME",
    // "sorted", "edit", "inspect=L:N", "mask=ID" (open a stored mask), "diff=ID", "policy=NAME:VALUE[:LAYERS]",
    // applied in order, each step's job awaited; stateReady() follows the last. An error message
    // for a malformed state (nothing applied), empty otherwise.
    QString applyState(const QString& spec);
    void setEditMode(bool on);
    // The threshold panel's policy, as core/prune reads it, and its selection (tests).
    void setPolicy(const QString& policy, double value, const QString& layers = {});
    const std::set<NeuronKey>& preview() const { return preview_; }
    bool previewBusy() const { return previewPending_ || previewRunning_; }
    // Merges the threshold panel's selection into the mask (one undo step).
    void addPolicySelection();
    // Saves the mask as a job; returns the job id (0 with the error on the status line).
    int saveMask(const QString& name);
    // Opens a stored mask onto the map (one undo step); a job.
    int openMask(qint64 maskId);
    // The inspector follows this neuron.
    void inspect(int layer, std::int64_t neuron);
    QString inspectorHtml() const;
    // The mask being edited compared with a stored one (study::diffStoredMasks, a job); the summary
    // `prominence-cli mask --diff` prints, with the edited mask as "a".
    int diffWithMask(qint64 maskId);
    const nlohmann::json& lastDiff() const { return lastDiff_; }
    // Attributes the run's selection again for one layer, keeping per-item IG rows (a job), for runs
    // stored without them; the inspector then reads that run's rows.
    int computeItemRows(int layer);
    // The inspector's per-item IG histograms: this selection first, then each reference (tests).
    const std::vector<HistogramSeries>& igSeries() const { return igSeries_; }
    // Ablate and evaluate: the mask removed from the model, these eval runs evaluated again (a job).
    int ablateAndEvaluate(const std::vector<qint64>& evalRuns);
    const nlohmann::json& lastAblation() const { return lastAblation_; }
    QString hoverText() const;
    // What hovering a neuron shows: layer, neuron, value, rank in its layer and overall, in the mask or not.
    QString readout(int layer, std::int64_t neuron) const;
    QString statusText() const;

Q_SIGNALS:
    void ready();
    void inspectorReady();
    void ablationReady();
    void maskDiffReady();
    void stateReady();

private:
    void load(qint64 initialScores);
    void onLoaded(std::shared_ptr<RunMatrices> m, qint64 initialScores);
    const workspace::NeuronScores* current() const;
    void showCurrent();
    void restyle();
    void fillTopNeurons();
    void schedulePreview();
    void runPreview();
    void updateMaskPanel();
    void applyStateStep(std::shared_ptr<std::vector<std::pair<QString, QString>>> steps, std::size_t i);
    QWidget* buildToolbar();
    QWidget* buildSide();

    MainWindow* window_;
    qint64 runId_;
    std::shared_ptr<RunMatrices> matrices_;
    HeatmapPlot* plot_ = nullptr;
    MaskEditor* editor_ = nullptr;
    QComboBox* metric_ = nullptr;
    QComboBox* scale_ = nullptr;
    QComboBox* range_ = nullptr;
    QComboBox* order_ = nullptr;
    QLineEdit* goTo_ = nullptr;
    QCheckBox* edit_ = nullptr;
    QLabel* hover_ = nullptr;
    QLabel* status_ = nullptr;
    QStandardItemModel* topModel_ = nullptr;
    QSortFilterProxyModel* topProxy_ = nullptr;
    QTableView* topView_ = nullptr;
    QLabel* maskSummary_ = nullptr;
    QLineEdit* maskName_ = nullptr;
    QComboBox* storedMasks_ = nullptr;
    QComboBox* policy_ = nullptr;
    QDoubleSpinBox* policyValue_ = nullptr;
    QLineEdit* policyLayers_ = nullptr;
    QLabel* policyCount_ = nullptr;
    BarPlot* policyBars_ = nullptr;
    QTextBrowser* inspector_ = nullptr;
    QTabWidget* sideTabs_ = nullptr;
    QListWidget* ablateRuns_ = nullptr;
    QLabel* ablateResult_ = nullptr;
    nlohmann::json lastAblation_;
    QWidget* thresholdTab_ = nullptr;
    HistogramPlot* igHistogram_ = nullptr;
    std::vector<HistogramSeries> igSeries_;
    QPushButton* computeRows_ = nullptr;
    QLabel* maskDiff_ = nullptr;
    nlohmann::json lastDiff_;
    std::set<NeuronKey> preview_;
    nlohmann::json previewPolicy_;
    bool previewPending_ = false;
    bool previewRunning_ = false;
    NeuronKey inspected_{-1, -1};
    QString inspectorHtml_;
    std::shared_ptr<const RankIndex> ranks_;  // of the matrix shown, once built
};

}  // namespace prominence::ui
