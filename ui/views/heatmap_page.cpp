#include "core/attribution/dataset_attribution.h"
#include "core/prune/mask_store.h"
#include "core/study/attribute_step.h"
#include "core/prune/selection.h"
#include "core/study/ablate_step.h"
#include "core/study/mask_step.h"
#include "core/study/neuron_step.h"
#include "core/workspace/workspace.h"

#include "ui/views/heatmap_page.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QToolButton>
#include <QUndoView>
#include <QVBoxLayout>

#include <algorithm>
#include <functional>
#include <tuple>
#include <cmath>

#include "core/study/command_line.h"
#include "ui/jobs/command_text.h"
#include "ui/forms/step_form.h"
#include "ui/main_window.h"
#include "ui/plots/figure_export.h"
#include "ui/views/histogram_plot.h"

namespace prominence::ui {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

bool signedKind(const std::string& kind) { return kind != "mean_abs_ig" && kind != "freq"; }

QString matrixLabel(const workspace::NeuronScores& s) {
    return QStringLiteral("%1 · %2 (#%3)").arg(qs(s.kind), qs(s.dataset)).arg(s.id);
}

float valueAt(const workspace::NeuronScores& s, int layer, std::int64_t neuron) {
    if (layer < 0 || layer >= s.layers || neuron < 0 || neuron >= s.neurons) return std::nanf("");
    return s.scores[static_cast<std::size_t>(layer) * static_cast<std::size_t>(s.neurons) + static_cast<std::size_t>(neuron)];
}

// Rank (1 = largest) of a value among a layer's scores and among all scores.
std::pair<std::int64_t, std::int64_t> ranksOf(const workspace::NeuronScores& s, int layer, std::int64_t neuron) {
    const float v = valueAt(s, layer, neuron);
    std::int64_t inLayer = 1, overall = 1;
    for (std::int64_t l = 0; l < s.layers; ++l)
        for (std::int64_t n = 0; n < s.neurons; ++n) {
            const float x = s.scores[static_cast<std::size_t>(l * s.neurons + n)];
            if (x > v) {
                ++overall;
                if (l == layer) ++inLayer;
            }
        }
    return {inLayer, overall};
}

}  // namespace

// Every score of one matrix sorted (descending), overall and per layer, so a hover's ranks are two
// binary searches instead of a pass over the matrix. Built off the GUI thread when a matrix is shown.
struct RankIndex {
    qint64 scoresId = 0;
    std::vector<float> all;
    std::vector<std::vector<float>> layers;

    static RankIndex build(const workspace::NeuronScores& s) {
        RankIndex r;
        r.scoresId = s.id;
        r.all = s.scores;
        std::sort(r.all.begin(), r.all.end(), std::greater<float>());
        for (std::int64_t l = 0; l < s.layers; ++l) {
            const auto* row = s.scores.data() + l * s.neurons;
            std::vector<float> v(row, row + s.neurons);
            std::sort(v.begin(), v.end(), std::greater<float>());
            r.layers.push_back(std::move(v));
        }
        return r;
    }
    // Rank 1 = largest: one more than the number of strictly larger scores (as ranksOf counts).
    static std::int64_t rank(const std::vector<float>& desc, float v) {
        return static_cast<std::int64_t>(std::lower_bound(desc.begin(), desc.end(), v, std::greater<float>()) - desc.begin()) + 1;
    }
};

namespace {

// What the inspector shows of one neuron, read and computed off the GUI thread.
struct NeuronFacts {
    std::vector<std::pair<std::string, double>> otherRuns;  // "run #r kind · dataset" -> value
    std::vector<attribution::NeuronItem> topItems;
    std::vector<workspace::ItemResult> topItemRows;
    std::vector<double> igValues;
    workspace::Id rowsRun = 0;  // the run whose per-item IG rows these are
    std::vector<std::pair<std::string, std::vector<double>>> referenceIg;  // per reference dataset
    std::string igError;
    std::optional<study::DirectEffectResult> effect;
    std::string effectError;
    std::optional<study::TokenActivationsResult> tokens;
    std::int64_t tokensItem = -1;
    std::string tokensError;
};

QString tokenSpan(const std::string& text, double a, double top) {
    const double t = top > 0 ? std::clamp(a / top, -1.0, 1.0) : 0.0;
    const QColor c = t >= 0 ? QColor::fromRgbF(1.0f, static_cast<float>(1 - 0.75 * t), static_cast<float>(1 - 0.75 * t))
                            : QColor::fromRgbF(static_cast<float>(1 + 0.75 * t), static_cast<float>(1 + 0.75 * t), 1.0f);
    QString shown = qs(text).toHtmlEscaped();
    shown.replace(QLatin1Char('\n'), QStringLiteral("⏎<br>"));
    shown.replace(QLatin1Char(' '), QStringLiteral("&nbsp;"));
    return QStringLiteral("<span style='background:%1' title='%2'>%3</span>").arg(c.name()).arg(a, 0, 'g', 4).arg(shown);
}

}  // namespace

HeatmapPage::HeatmapPage(MainWindow* window, qint64 runId, qint64 initialScores)
    : QWidget(nullptr), window_(window), runId_(runId) {
    setObjectName(QStringLiteral("heatmapPage"));
    editor_ = new MaskEditor(this);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(buildToolbar());
    auto* split = new QSplitter(Qt::Horizontal, this);
    plot_ = new HeatmapPlot(split);
    plot_->setObjectName(QStringLiteral("heatmapPlot"));
    plot_->setMinimumWidth(320);
    split->addWidget(plot_);
    split->addWidget(buildSide());
    split->setStretchFactor(0, 5);
    split->setStretchFactor(1, 2);
    split->setSizes({840, 460});
    layout->addWidget(split, 1);
    hover_ = new QLabel(tr("Hover a cell to read it; click to select (and, in edit mode, toggle it in the mask)."), this);
    hover_->setObjectName(QStringLiteral("hoverReadout"));
    hover_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("heatmapStatus"));
    status_->setWordWrap(true);
    layout->addWidget(hover_);
    layout->addWidget(status_);

    connect(plot_, &HeatmapPlot::hovered, this, [this](int l, std::int64_t n, QPoint) { hover_->setText(readout(l, n)); });
    connect(plot_, &HeatmapPlot::clicked, this, [this](int l, std::int64_t n, Qt::KeyboardModifiers) {
        if (edit_->isChecked()) editor_->toggle(l, n);
        inspect(l, n);
    });
    connect(plot_, &HeatmapPlot::rectangleSelected, this, [this](const std::set<NeuronKey>& keys, bool add) {
        if (add) editor_->add(keys, QStringLiteral("rectangle"));
        else editor_->remove(keys, QStringLiteral("rectangle"));
    });
    connect(editor_, &MaskEditor::changed, this, [this] {
        plot_->setMask(editor_->mask());
        updateMaskPanel();
        fillTopNeurons();
    });
    load(initialScores);
}

QWidget* HeatmapPage::buildToolbar() {
    // Two rows, so the page never forces the window wider than the navigator can afford.
    auto* bar = new QWidget(this);
    auto* rows = new QVBoxLayout(bar);
    rows->setContentsMargins(0, 0, 0, 0);
    rows->setSpacing(4);
    auto* h = new QHBoxLayout;
    auto* h2 = new QHBoxLayout;
    rows->addLayout(h);
    rows->addLayout(h2);
    metric_ = new QComboBox(bar);
    metric_->setObjectName(QStringLiteral("metricCombo"));
    metric_->setToolTip(tr("Which stored matrix of the run: mean IG, mean |IG|, frequency, each contrast score, per dataset"));
    metric_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    metric_->setMinimumContentsLength(24);
    scale_ = new QComboBox(bar);
    scale_->setObjectName(QStringLiteral("scaleCombo"));
    scale_->addItems({tr("linear"), tr("symmetric log"), tr("log")});
    scale_->setToolTip(tr("Colour scale; log needs positive values (magnitudes); symmetric log shows signed scores over decades"));
    range_ = new QComboBox(bar);
    range_->setObjectName(QStringLiteral("rangeCombo"));
    range_->addItems({tr("99th percentile"), tr("99.9th percentile"), tr("95th percentile"), tr("full range")});
    range_->setToolTip(tr("Colour range from a percentile of |score|, so one outlier neuron does not wash out the rest"));
    order_ = new QComboBox(bar);
    order_->setObjectName(QStringLiteral("orderCombo"));
    order_->addItems({tr("as stored"), tr("sorted in each layer")});
    order_->setToolTip(tr("Neuron order; hover and click still name the real neuron index"));
    goTo_ = new QLineEdit(bar);
    goTo_->setObjectName(QStringLiteral("goToEdit"));
    goTo_->setPlaceholderText(tr("go to L:N"));
    goTo_->setToolTip(tr("Type layer:neuron and press Enter to centre the map on it and inspect it"));
    goTo_->setFixedWidth(120);
    edit_ = new QCheckBox(tr("Edit mask"), bar);
    edit_->setObjectName(QStringLiteral("editMaskCheck"));
    edit_->setChecked(true);
    edit_->setToolTip(tr("Click toggles a neuron in the mask; shift-drag adds a rectangle, ctrl-drag removes one (Ctrl+Z undoes)"));
    auto* save = new QToolButton(bar);
    save->setText(tr("Save figure…"));
    save->setToolTip(tr("The heatmap with axes and colour bar as PDF, SVG or PNG (300 dpi), at publication size"));
    auto* reset = new QToolButton(bar);
    reset->setText(tr("Reset view"));
    reset->setToolTip(tr("Show every neuron (also: double-click the map)"));
    h->addWidget(new QLabel(tr("Metric"), bar));
    h->addWidget(metric_);
    h->addWidget(new QLabel(tr("Scale"), bar));
    h->addWidget(scale_);
    h->addWidget(new QLabel(tr("Range"), bar));
    h->addWidget(range_);
    h->addWidget(new QLabel(tr("Order"), bar));
    h->addWidget(order_);
    h->addStretch(1);
    h2->addWidget(goTo_);
    h2->addWidget(edit_);
    h2->addStretch(1);
    h2->addWidget(reset);
    h2->addWidget(save);
    connect(metric_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { showCurrent(); });
    connect(scale_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { restyle(); });
    connect(range_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { restyle(); });
    connect(order_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { showCurrent(); });
    connect(reset, &QToolButton::clicked, this, [this] { plot_->resetView(); });
    connect(goTo_, &QLineEdit::returnPressed, this, [this] {
        const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("^\\s*(\\d+)\\s*:\\s*(\\d+)\\s*$")).match(goTo_->text());
        const auto* s = current();
        if (!m.hasMatch() || !s || m.captured(1).toLongLong() >= s->layers || m.captured(2).toLongLong() >= s->neurons) {
            status_->setText(tr("go to: expected layer:neuron inside %1 × %2").arg(s ? s->layers : 0).arg(s ? s->neurons : 0));
            return;
        }
        const int l = m.captured(1).toInt();
        const std::int64_t n = m.captured(2).toLongLong();
        plot_->goTo(l, n);
        inspect(l, n);
    });
    connect(save, &QToolButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save figure"), QStringLiteral("heatmap.pdf"),
                                                          figureFileFilter());
        if (path.isEmpty()) return;
        QString error;
        status_->setText(plot_->saveFigure(path, 900, 350, &error) ? tr("Saved %1").arg(path) : error);
    });
    return bar;
}

QWidget* HeatmapPage::buildSide() {
    auto* tabs = new QTabWidget(this);
    tabs->setObjectName(QStringLiteral("heatmapSideTabs"));
    tabs->setMinimumWidth(260);

    // Top neurons
    auto* topPage = new QWidget(tabs);
    auto* tv = new QVBoxLayout(topPage);
    auto* filter = new QLineEdit(topPage);
    filter->setPlaceholderText(tr("filter, e.g. 3: for layer 3"));
    filter->setToolTip(tr("Shows the rows whose L:N text contains this"));
    topModel_ = new QStandardItemModel(0, 5, topPage);
    topModel_->setHorizontalHeaderLabels({tr("L:N"), tr("score"), tr("rank in layer"), tr("rank"), tr("in mask")});
    topProxy_ = new QSortFilterProxyModel(topPage);
    topProxy_->setSourceModel(topModel_);
    topProxy_->setSortRole(Qt::UserRole);
    topProxy_->setFilterKeyColumn(0);
    topView_ = new QTableView(topPage);
    topView_->setObjectName(QStringLiteral("topNeuronsView"));
    topView_->setModel(topProxy_);
    topView_->setSortingEnabled(true);
    topView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    topView_->verticalHeader()->hide();
    topView_->horizontalHeader()->setStretchLastSection(true);
    topView_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    topView_->sortByColumn(1, Qt::DescendingOrder);
    tv->addWidget(filter);
    tv->addWidget(topView_);
    connect(filter, &QLineEdit::textChanged, topProxy_, &QSortFilterProxyModel::setFilterFixedString);
    connect(topView_, &QTableView::clicked, this, [this](const QModelIndex& i) {
        const QModelIndex src = topProxy_->mapToSource(i.siblingAtColumn(0));
        const int l = src.data(Qt::UserRole + 1).toInt();
        const std::int64_t n = src.data(Qt::UserRole + 2).toLongLong();
        plot_->goTo(l, n);
        inspect(l, n);
    });
    tabs->addTab(topPage, tr("Top neurons"));

    // Mask
    auto* maskPage = new QWidget(tabs);
    auto* mv = new QVBoxLayout(maskPage);
    maskSummary_ = new QLabel(maskPage);
    maskSummary_->setObjectName(QStringLiteral("maskSummary"));
    maskSummary_->setWordWrap(true);
    maskSummary_->setWordWrap(true);
    mv->addWidget(maskSummary_);
    auto* undoRow = new QHBoxLayout;
    auto* undo = new QPushButton(tr("Undo"), maskPage);
    undo->setShortcut(QKeySequence::Undo);
    undo->setToolTip(tr("Undo the last edit of the mask (Ctrl+Z)"));
    auto* redo = new QPushButton(tr("Redo"), maskPage);
    redo->setShortcut(QKeySequence::Redo);
    redo->setToolTip(tr("Redo (Ctrl+Shift+Z)"));
    connect(undo, &QPushButton::clicked, editor_->undoStack(), &QUndoStack::undo);
    connect(redo, &QPushButton::clicked, editor_->undoStack(), &QUndoStack::redo);
    connect(editor_->undoStack(), &QUndoStack::canUndoChanged, undo, &QPushButton::setEnabled);
    connect(editor_->undoStack(), &QUndoStack::canRedoChanged, redo, &QPushButton::setEnabled);
    undo->setEnabled(false);
    redo->setEnabled(false);
    undoRow->addWidget(undo);
    undoRow->addWidget(redo);
    undoRow->addStretch(1);
    mv->addLayout(undoRow);
    auto* history = new QUndoView(editor_->undoStack(), maskPage);
    history->setEmptyLabel(tr("(empty mask)"));
    history->setToolTip(tr("Every edit in order; click one to go back to the mask after it"));
    mv->addWidget(history, 1);
    auto* saveRow = new QHBoxLayout;
    maskName_ = new QLineEdit(QStringLiteral("hand-made"), maskPage);
    maskName_->setObjectName(QStringLiteral("maskNameEdit"));
    maskName_->setToolTip(tr("Name of the stored mask (unique in the workspace)"));
    auto* saveMaskButton = new QPushButton(tr("Save mask"), maskPage);
    saveMaskButton->setToolTip(tr("Store the mask in the workspace with its provenance: the scores it came from, the "
                                  "threshold policy and every manual edit in order"));
    saveRow->addWidget(maskName_, 1);
    saveRow->addWidget(saveMaskButton);
    mv->addLayout(saveRow);
    auto* openRow = new QHBoxLayout;
    storedMasks_ = new QComboBox(maskPage);
    storedMasks_->setObjectName(QStringLiteral("storedMasksCombo"));
    storedMasks_->setToolTip(tr("A mask stored in the workspace"));
    auto* openMaskButton = new QPushButton(tr("Open on the map"), maskPage);
    openMaskButton->setToolTip(tr("Replace the mask being edited by the stored one (undoable)"));
    auto* diffMaskButton = new QPushButton(tr("Diff"), maskPage);
    diffMaskButton->setObjectName(QStringLiteral("diffMaskButton"));
    diffMaskButton->setToolTip(tr("Compare the mask being edited with the stored one: counts per layer, overlap, Jaccard"));
    // The stored mask on a row of its own (its names are long), its actions below.
    mv->addWidget(storedMasks_);
    openRow->addWidget(openMaskButton, 1);
    openRow->addWidget(diffMaskButton, 1);
    mv->addLayout(openRow);
    auto* exportButton = new QPushButton(tr("Export pruned checkpoint…"), maskPage);
    exportButton->setObjectName(QStringLiteral("exportMaskButton"));
    exportButton->setToolTip(tr("Open the export dialog with this mask's neurons and the run's model"));
    mv->addWidget(exportButton);
    connect(exportButton, &QPushButton::clicked, this, [this] {
        QString neurons;
        for (const auto& [l, n] : editor_->mask())
            neurons += (neurons.isEmpty() ? QString() : QStringLiteral(",")) + QStringLiteral("%1:%2").arg(l).arg(n);
        window_->openExportDialog(std::nullopt, neurons, matrices_ ? qs(matrices_->modelDir) : QString());
    });
    maskDiff_ = new QLabel(maskPage);
    maskDiff_->setObjectName(QStringLiteral("maskDiff"));
    maskDiff_->setWordWrap(true);
    maskDiff_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    mv->addWidget(maskDiff_);
    connect(diffMaskButton, &QPushButton::clicked, this, [this] {
        if (storedMasks_->currentData().isValid()) diffWithMask(storedMasks_->currentData().toLongLong());
    });
    connect(saveMaskButton, &QPushButton::clicked, this, [this] { saveMask(maskName_->text()); });
    connect(openMaskButton, &QPushButton::clicked, this, [this] {
        if (storedMasks_->currentData().isValid()) openMask(storedMasks_->currentData().toLongLong());
    });
    for (const auto& m : window_->snapshot().masks)
        storedMasks_->addItem(QStringLiteral("#%1 %2 (%3 neurons)").arg(m.id).arg(qs(m.name)).arg(m.neuronCount), qlonglong(m.id));
    // Try it now: the mask applied to the model (no fine-tuning) on chosen eval runs.
    auto* ablateLabel = new QLabel(tr("<b>Ablate and evaluate</b> (the mask removed, no fine-tuning) on:"), maskPage);
    ablateLabel->setWordWrap(true);
    mv->addWidget(ablateLabel);
    ablateRuns_ = new QListWidget(maskPage);
    ablateRuns_->setObjectName(QStringLiteral("ablateRuns"));
    ablateRuns_->setToolTip(tr("Completed eval runs to evaluate again with the mask's neurons removed; each result is an "
                               "ordinary eval run in the workspace"));
    ablateRuns_->setMaximumHeight(110);
    std::set<std::optional<workspace::Id>> benchmarksSeen;
    const auto& runs = window_->snapshot().runs;
    // The latest completed eval of each benchmark is offered first (checked for the lab's source).
    for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
        if (it->kind != "eval" || it->status != workspace::RunStatus::Completed || it->params.contains("mask")) continue;
        const bool first = benchmarksSeen.insert(it->benchmarkId).second;
        if (!first) continue;
        auto* item = new QListWidgetItem(QStringLiteral("#%1 %2 — %3").arg(it->id).arg(qs(it->name), qs(runKeyNumber(*it))), ablateRuns_);
        item->setData(Qt::UserRole, qlonglong(it->id));
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Unchecked);
    }
    mv->addWidget(ablateRuns_);
    auto* ablate = new QPushButton(tr("Ablate and evaluate"), maskPage);
    ablate->setObjectName(QStringLiteral("ablateButton"));
    ablate->setToolTip(tr("A job: accuracy before and after with the paired difference and its 95% interval, McNemar's "
                          "counts and, on the Shortcut Lab, the change in cue-following (prominence-cli ablate)"));
    mv->addWidget(ablate);
    ablateResult_ = new QLabel(maskPage);
    ablateResult_->setObjectName(QStringLiteral("ablateResult"));
    ablateResult_->setWordWrap(true);
    ablateResult_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    mv->addWidget(ablateResult_);
    connect(ablate, &QPushButton::clicked, this, [this] {
        std::vector<qint64> ids;
        for (int i = 0; i < ablateRuns_->count(); ++i)
            if (ablateRuns_->item(i)->checkState() == Qt::Checked) ids.push_back(ablateRuns_->item(i)->data(Qt::UserRole).toLongLong());
        ablateAndEvaluate(ids);
    });
    // The mask panel grows (history, diff, ablation result): it scrolls rather than clips.
    auto* maskScroll = new QScrollArea(tabs);
    maskScroll->setWidgetResizable(true);
    maskScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    maskScroll->setFrameShape(QFrame::NoFrame);
    maskScroll->setWidget(maskPage);
    tabs->addTab(maskScroll, tr("Mask"));

    // Threshold
    auto* thrPage = new QWidget(tabs);
    auto* tf = new QFormLayout(thrPage);
    policy_ = new QComboBox(thrPage);
    policy_->setObjectName(QStringLiteral("policyCombo"));
    policy_->addItems({QStringLiteral("per_layer_top_percent"), QStringLiteral("global_top_k"), QStringLiteral("threshold"),
                       QStringLiteral("layer_top_percent")});
    policy_->setToolTip(tr("core/prune's policies, as prune --policy: the preview is exactly what prune would store"));
    policyValue_ = new QDoubleSpinBox(thrPage);
    policyValue_->setObjectName(QStringLiteral("policyValue"));
    policyValue_->setDecimals(4);
    policyValue_->setRange(-1e9, 1e9);
    policyValue_->setValue(5.0);
    policyValue_->setToolTip(tr("percent (top-percent policies), k (global_top_k) or the score threshold"));
    policyLayers_ = new QLineEdit(thrPage);
    policyLayers_->setObjectName(QStringLiteral("policyLayers"));
    policyLayers_->setPlaceholderText(tr("every layer"));
    policyLayers_->setToolTip(tr("Restrict to these layers (comma-separated); layer_top_percent: the one layer"));
    policyCount_ = new QLabel(thrPage);
    policyCount_->setObjectName(QStringLiteral("policyCount"));
    policyBars_ = new BarPlot(thrPage);
    policyBars_->setMinimumHeight(160);
    auto* merge = new QPushButton(tr("Add policy selection to the mask"), thrPage);
    merge->setToolTip(tr("Merge the previewed neurons into the mask (one undo step)"));
    tf->addRow(tr("Policy"), policy_);
    tf->addRow(tr("Value"), policyValue_);
    tf->addRow(tr("Layers"), policyLayers_);
    tf->addRow(policyCount_);
    tf->addRow(policyBars_);
    tf->addRow(merge);
    connect(policy_, &QComboBox::currentTextChanged, this, [this] { schedulePreview(); });
    connect(policyValue_, qOverload<double>(&QDoubleSpinBox::valueChanged), this, [this] { schedulePreview(); });
    connect(policyLayers_, &QLineEdit::textChanged, this, [this] { schedulePreview(); });
    connect(merge, &QPushButton::clicked, this, [this] { addPolicySelection(); });
    tabs->addTab(thrPage, tr("Threshold"));

    // Inspector
    auto* insPage = new QWidget(tabs);
    auto* iv = new QVBoxLayout(insPage);
    inspector_ = new QTextBrowser(insPage);
    inspector_->setObjectName(QStringLiteral("inspectorText"));
    inspector_->setPlaceholderText(tr("Click a neuron (or a row of Top neurons) to inspect it."));
    igHistogram_ = new HistogramPlot(insPage);
    igHistogram_->setAxisLabels(tr("IG of this neuron per item (this selection)"), tr("items"));
    igHistogram_->setMinimumHeight(150);
    igHistogram_->setAxisLabels(tr("IG of this neuron per item"), tr("items"));
    computeRows_ = new QPushButton(insPage);
    computeRows_->setObjectName(QStringLiteral("computeRowsButton"));
    computeRows_->setToolTip(tr("Attribute this run's selection again for the neuron's layer alone, keeping every item's IG "
                                "(a job; the result is an ordinary attribution run)"));
    computeRows_->setVisible(false);
    connect(computeRows_, &QPushButton::clicked, this, [this] {
        if (inspected_.first >= 0) computeItemRows(inspected_.first);
    });
    iv->addWidget(inspector_, 2);
    iv->addWidget(computeRows_);
    iv->addWidget(igHistogram_, 1);
    tabs->addTab(insPage, tr("Neuron"));
    // The policy's preview is drawn while its panel is open, so it never reads as part of the mask.
    connect(tabs, &QTabWidget::currentChanged, this, [this, tabs, thrPage] {
        plot_->setPreview(tabs->currentWidget() == thrPage ? preview_ : std::set<NeuronKey>{});
    });
    sideTabs_ = tabs;
    thresholdTab_ = thrPage;
    return tabs;
}

void HeatmapPage::load(qint64 initialScores) {
    status_->setText(tr("Reading the matrices of run %1…").arg(runId_));
    auto out = std::make_shared<RunMatrices>();
    JobSpec spec;
    spec.title = tr("Read attribution run %1").arg(runId_);
    spec.kind = QStringLiteral("read");
    spec.io = true;
    spec.visible = false;
    spec.work = [ws = window_->workspacePath().toStdString(), id = runId_, out](Progress&) {
        workspace::Workspace w = workspace::Workspace::open(ws);
        out->run = w.run(id);
        out->scores = w.neuronScoresOf(id, workspace::ReadScope::Any);
        out->modelId = out->run.modelId;
        if (out->modelId) out->modelDir = w.model(*out->modelId).path;
        return nlohmann::json::object();
    };
    QPointer<HeatmapPage> self(this);
    window_->jobs()->start(std::move(spec), [self, out, initialScores](const nlohmann::json&) {
        if (self) self->onLoaded(out, initialScores);
    }, [self](const QString& e) {
        if (self) self->status_->setText(e);
    });
}

void HeatmapPage::onLoaded(std::shared_ptr<RunMatrices> m, qint64 initialScores) {
    matrices_ = std::move(m);
    if (matrices_->scores.empty()) {
        status_->setText(tr("Run %1 stores no score matrices (yet).").arg(runId_));
        Q_EMIT ready();
        return;
    }
    {
        const QSignalBlocker block(metric_);
        metric_->clear();
        int preferred = 0;
        for (std::size_t i = 0; i < matrices_->scores.size(); ++i) {
            const auto& s = matrices_->scores[i];
            metric_->addItem(matrixLabel(s), qlonglong(s.id));
            if (s.id == initialScores || (initialScores == 0 && s.kind.rfind("contrast_", 0) == 0)) preferred = static_cast<int>(i);
        }
        metric_->setCurrentIndex(preferred);
    }
    showCurrent();
    status_->setText(tr("attribution run %1 · %2 · model %3").arg(runId_).arg(qs(matrices_->run.name), qs(matrices_->modelDir)));
    Q_EMIT ready();
}

const workspace::NeuronScores* HeatmapPage::current() const {
    if (!matrices_) return nullptr;
    const qint64 id = metric_->currentData().toLongLong();
    for (const auto& s : matrices_->scores)
        if (s.id == id) return &s;
    return nullptr;
}

qint64 HeatmapPage::currentScores() const {
    const auto* s = current();
    return s ? s->id : 0;
}

bool HeatmapPage::setCurrentScores(qint64 id) {
    const int i = metric_->findData(qlonglong(id));
    if (i < 0) return false;
    metric_->setCurrentIndex(i);
    return true;
}

void HeatmapPage::setSortedOrder(bool sorted) { order_->setCurrentIndex(sorted ? 1 : 0); }
void HeatmapPage::setEditMode(bool on) { edit_->setChecked(on); }

bool HeatmapPage::setSideTab(const QString& name) {
    static const QStringList names = {QStringLiteral("top"), QStringLiteral("mask"), QStringLiteral("threshold"),
                                      QStringLiteral("neuron")};
    const int i = static_cast<int>(names.indexOf(name));
    if (i < 0 || i >= sideTabs_->count()) return false;
    sideTabs_->setCurrentIndex(i);
    return true;
}

void HeatmapPage::showCurrent() {
    const auto* s = current();
    if (!s) return;
    HeatmapData d;
    d.layers = static_cast<int>(s->layers);
    d.neurons = static_cast<int>(s->neurons);
    d.scores = s->scores;
    if (order_->currentIndex() == 1) d.order = sortedOrder(d);
    plot_->setData(std::move(d));
    restyle();
    plot_->setMask(editor_->mask());
    fillTopNeurons();
    schedulePreview();
    if (inspected_.first >= 0) inspect(inspected_.first, inspected_.second);
    if (!ranks_ || ranks_->scoresId != s->id) {
        auto out = std::make_shared<RankIndex>();
        JobSpec spec;
        spec.title = tr("Rank the scores of matrix %1").arg(s->id);
        spec.kind = QStringLiteral("read");
        spec.io = true;
        spec.visible = false;
        spec.work = [scores = *s, out](Progress&) {
            *out = RankIndex::build(scores);
            return nlohmann::json::object();
        };
        QPointer<HeatmapPage> self(this);
        window_->jobs()->start(std::move(spec), [self, out](const nlohmann::json&) {
            if (self) self->ranks_ = out;
        });
    }
}

void HeatmapPage::restyle() {
    const auto* s = current();
    if (!s) return;
    HeatmapStyle style;
    style.diverging = signedKind(s->kind);
    style.scale = scale_->currentIndex() == 1 ? ColorScale::SymLog : scale_->currentIndex() == 2 ? ColorScale::Log : ColorScale::Linear;
    const double q = range_->currentIndex() == 0 ? 0.99 : range_->currentIndex() == 1 ? 0.999 : range_->currentIndex() == 2 ? 0.95 : 1.0;
    if (style.diverging) {
        const double top = std::max(1e-12, scoreQuantile(s->scores, q, true));
        style.lo = -top;
        style.hi = top;
    } else {
        style.lo = std::min(0.0, scoreQuantile(s->scores, 0.0, false));
        style.hi = std::max(style.lo + 1e-12, scoreQuantile(s->scores, q, false));
    }
    plot_->setStyle(style, qs(s->kind));
}

void HeatmapPage::fillTopNeurons() {
    const auto* s = current();
    topModel_->removeRows(0, topModel_->rowCount());
    if (!s) return;
    std::vector<std::size_t> idx(s->scores.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    const std::size_t k = std::min<std::size_t>(200, idx.size());
    std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(),
                      [&](std::size_t a, std::size_t b) { return s->scores[a] > s->scores[b]; });
    // Ranks within each layer of the top k, from the same order.
    std::map<int, int> seen;
    for (std::size_t r = 0; r < k; ++r) {
        const int l = static_cast<int>(idx[r] / static_cast<std::size_t>(s->neurons));
        const std::int64_t n = static_cast<std::int64_t>(idx[r] % static_cast<std::size_t>(s->neurons));
        const int inLayer = ++seen[l];
        auto* name = new QStandardItem(QStringLiteral("%1:%2").arg(l).arg(n));
        name->setData(l, Qt::UserRole + 1);
        name->setData(qlonglong(n), Qt::UserRole + 2);
        name->setData(l * 1e9 + static_cast<double>(n), Qt::UserRole);
        auto* score = new QStandardItem(QString::number(s->scores[idx[r]], 'g', 5));
        score->setData(s->scores[idx[r]], Qt::UserRole);
        auto* rl = new QStandardItem(QString::number(inLayer));
        rl->setData(inLayer, Qt::UserRole);
        auto* ro = new QStandardItem(QString::number(r + 1));
        ro->setData(static_cast<int>(r + 1), Qt::UserRole);
        const bool in = editor_->mask().count({l, n}) != 0;
        auto* m = new QStandardItem(in ? tr("yes") : QString());
        m->setData(in ? 1 : 0, Qt::UserRole);
        topModel_->appendRow({name, score, rl, ro, m});
    }
    topView_->resizeColumnsToContents();
}

QString HeatmapPage::readout(int layer, std::int64_t neuron) const {
    const auto* s = current();
    if (!s) return {};
    std::int64_t inLayer = 0, overall = 0;
    if (ranks_ && ranks_->scoresId == s->id && layer >= 0 && layer < s->layers && !std::isnan(valueAt(*s, layer, neuron))) {
        const float v = valueAt(*s, layer, neuron);
        inLayer = RankIndex::rank(ranks_->layers[static_cast<std::size_t>(layer)], v);
        overall = RankIndex::rank(ranks_->all, v);
    } else {
        std::tie(inLayer, overall) = ranksOf(*s, layer, neuron);
    }
    return tr("L%1:N%2   %3 = %4   rank %5 of %6 in the layer, %7 of %8 overall   %9")
        .arg(layer)
        .arg(neuron)
        .arg(qs(s->kind))
        .arg(valueAt(*s, layer, neuron), 0, 'g', 5)
        .arg(inLayer)
        .arg(s->neurons)
        .arg(overall)
        .arg(s->layers * s->neurons)
        .arg(editor_->mask().count({layer, neuron}) ? tr("in the mask") : tr("not in the mask"));
}

QString HeatmapPage::hoverText() const { return hover_->text(); }
QString HeatmapPage::statusText() const { return status_->text(); }

void HeatmapPage::updateMaskPanel() {
    std::map<int, int> perLayer;
    for (const auto& [l, n] : editor_->mask()) ++perLayer[l];
    QStringList parts;
    for (const auto& [l, c] : perLayer) parts << QStringLiteral("L%1: %2").arg(l).arg(c);
    maskSummary_->setText(tr("<b>%1 neurons</b> in the mask%2%3")
                              .arg(editor_->mask().size())
                              .arg(parts.isEmpty() ? QString() : QStringLiteral(" — ") + parts.join(QStringLiteral(", ")))
                              .arg(editor_->modified() ? tr(" (not saved)") : QString()));
}

void HeatmapPage::setPolicy(const QString& policy, double value, const QString& layers) {
    sideTabs_->setCurrentWidget(thresholdTab_);
    policy_->setCurrentText(policy);
    policyValue_->setValue(value);
    policyLayers_->setText(layers);
    schedulePreview();
}

void HeatmapPage::schedulePreview() {
    if (!current()) return;
    previewPending_ = true;
    QTimer::singleShot(60, this, [this] { runPreview(); });
}

void HeatmapPage::runPreview() {
    if (!previewPending_ || previewRunning_) return;
    const auto* s = current();
    if (!s) return;
    previewPending_ = false;
    prune::PolicyParams p;
    try {
        p.kind = prune::parsePolicy(policy_->currentText().toStdString());
        const std::vector<int> layers = parseLayerList(policyLayers_->text(), "layers");
        if (p.kind == prune::PolicyKind::LayerTopPercent) {
            p.layer = layers.empty() ? 0 : layers.front();
            p.percent = policyValue_->value();
        } else {
            p.layers = layers;
            if (p.kind == prune::PolicyKind::PerLayerTopPercent) p.percent = policyValue_->value();
            if (p.kind == prune::PolicyKind::GlobalTopK) p.k = static_cast<std::int64_t>(std::llround(policyValue_->value()));
            if (p.kind == prune::PolicyKind::Threshold) p.threshold = policyValue_->value();
        }
        p.validate();
    } catch (const std::exception& e) {
        policyCount_->setText(QString::fromUtf8(e.what()));
        preview_.clear();
        plot_->setPreview(preview_);
        return;
    }
    previewRunning_ = true;
    policyCount_->setText(tr("computing…"));
    auto out = std::make_shared<std::set<NeuronKey>>();
    const workspace::NeuronScores scores = *s;
    JobSpec spec;
    spec.title = tr("Preview %1").arg(policy_->currentText());
    spec.kind = QStringLiteral("preview");
    spec.io = true;
    spec.visible = false;
    // core/prune's own selection, so the preview is exactly what `prune --policy` stores.
    spec.work = [scores, p, out](Progress&) {
        at::Tensor t = at::from_blob(const_cast<float*>(scores.scores.data()), {scores.layers, scores.neurons}, at::kFloat).clone();
        const prune::PruneMask m = prune::selectNeurons(prune::ScoreMatrix::allLayers(t), p, static_cast<int>(scores.layers));
        for (const auto& n : m.neurons()) out->insert({n.layer, n.index});
        return nlohmann::json(p.toJson());
    };
    QPointer<HeatmapPage> self(this);
    const int layers = static_cast<int>(s->layers);
    window_->jobs()->start(std::move(spec), [self, out, layers](const nlohmann::json& policy) {
        if (!self) return;
        self->previewRunning_ = false;
        self->preview_ = *out;
        self->previewPolicy_ = policy;
        if (self->sideTabs_->currentWidget() == self->thresholdTab_) self->plot_->setPreview(self->preview_);
        std::vector<double> counts(static_cast<std::size_t>(layers), 0.0);
        for (const auto& [l, n] : self->preview_) counts[static_cast<std::size_t>(l)] += 1;
        QStringList labels;
        for (int l = 0; l < layers; ++l) labels << QString::number(l);
        self->policyBars_->setBars(labels, counts, tr("layer"), tr("neurons selected"));
        self->policyCount_->setText(tr("%1 neurons selected (dots on the map)").arg(self->preview_.size()));
        if (self->previewPending_) self->runPreview();
    }, [self](const QString& e) {
        if (!self) return;
        self->previewRunning_ = false;
        self->policyCount_->setText(e);
        if (self->previewPending_) self->runPreview();
    });
}

void HeatmapPage::addPolicySelection() {
    if (preview_.empty()) return;
    nlohmann::json details = {{"policy", previewPolicy_}, {"scores_id", currentScores()}};
    editor_->add(preview_, QStringLiteral("policy"), details);
}

int HeatmapPage::saveMask(const QString& name) {
    const auto* s = current();
    if (!s || !matrices_) return 0;
    study::SaveMaskParams p;
    p.workspacePath = window_->workspacePath().toStdString();
    p.name = name.trimmed().toStdString();
    p.modelId = matrices_->modelId;
    p.layers = s->layers;
    p.neurons = s->neurons;
    for (const auto& [l, n] : editor_->mask()) p.pruned.push_back({l, n});
    p.provenance = {{"source", "heatmap"},
                    {"attribution_run", runId_},
                    {"scores_id", s->id},
                    {"scores_kind", s->kind},
                    {"dataset", s->dataset},
                    {"edits", editor_->edits()}};
    JobSpec spec;
    spec.title = tr("Save mask %1").arg(name);
    spec.kind = QStringLiteral("mask");
    spec.workspacePath = window_->workspacePath();
    spec.work = [p](Progress& progress) { return nlohmann::json(study::runSaveMask(p, progress).summary); };
    QPointer<HeatmapPage> self(this);
    return window_->jobs()->start(std::move(spec), [self](const nlohmann::json& r) {
        if (!self) return;
        self->editor_->markSaved();
        self->updateMaskPanel();
        self->status_->setText(tr("Stored mask #%1 %2 (%3 neurons)")
                                   .arg(r.value("mask_id", 0LL))
                                   .arg(qs(r.value("name", std::string())))
                                   .arg(r.value("count", 0LL)));
    }, [self](const QString& e) {
        if (self) self->status_->setText(e);
    });
}

int HeatmapPage::openMask(qint64 maskId) {
    auto out = std::make_shared<std::set<NeuronKey>>();
    JobSpec spec;
    spec.title = tr("Read mask %1").arg(maskId);
    spec.kind = QStringLiteral("read");
    spec.io = true;
    spec.visible = false;
    spec.work = [ws = window_->workspacePath().toStdString(), maskId, out](Progress&) {
        workspace::Workspace w = workspace::Workspace::open(ws);
        for (const auto& n : w.mask(maskId).pruned) out->insert({static_cast<int>(n.layer), n.neuron});
        return nlohmann::json::object();
    };
    QPointer<HeatmapPage> self(this);
    return window_->jobs()->start(std::move(spec), [self, out, maskId](const nlohmann::json&) {
        if (self) self->editor_->replace(*out, QStringLiteral("open mask"), {{"mask_id", maskId}});
    }, [self](const QString& e) {
        if (self) self->status_->setText(e);
    });
}

namespace {

// Calls `f` the first time `signal` fires.
template <typename Sender, typename Signal>
void once(Sender* sender, Signal signal, QObject* context, std::function<void()> f) {
    auto c = std::make_shared<QMetaObject::Connection>();
    *c = QObject::connect(sender, signal, context, [c, f = std::move(f)] {
        QObject::disconnect(*c);
        f();
    });
}

}  // namespace

QString HeatmapPage::applyState(const QString& spec) {
    static const QStringList known = {QStringLiteral("tab"),  QStringLiteral("sorted"), QStringLiteral("edit"),
                                      QStringLiteral("inspect"), QStringLiteral("mask"), QStringLiteral("diff"),
                                      QStringLiteral("policy")};
    auto steps = std::make_shared<std::vector<std::pair<QString, QString>>>();
    const QRegularExpression neuronRe(QStringLiteral("^(\\d+):(\\d+)$"));
    for (const QString& part : spec.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const qsizetype eq = part.indexOf(QLatin1Char('='));
        const QString key = (eq < 0 ? part : part.left(eq)).trimmed();
        const QString value = eq < 0 ? QString() : part.mid(eq + 1).trimmed();
        if (!known.contains(key)) return tr("unknown heatmap state '%1' (expected %2)").arg(key, known.join(QStringLiteral(", ")));
        bool ok = true;
        if (key == QLatin1String("inspect")) ok = neuronRe.match(value).hasMatch();
        if (key == QLatin1String("mask") || key == QLatin1String("diff")) value.toLongLong(&ok);
        if (key == QLatin1String("policy")) ok = value.split(QLatin1Char(':')).size() >= 2;
        if (key == QLatin1String("tab")) ok = QStringList{QStringLiteral("top"), QStringLiteral("mask"), QStringLiteral("threshold"),
                                                           QStringLiteral("neuron")}.contains(value);
        if (!ok) return tr("heatmap state '%1': bad value '%2'").arg(key, value);
        steps->push_back({key, value});
    }
    applyStateStep(steps, 0);
    return {};
}

void HeatmapPage::applyStateStep(std::shared_ptr<std::vector<std::pair<QString, QString>>> steps, std::size_t i) {
    if (i >= steps->size()) {
        Q_EMIT stateReady();
        return;
    }
    const auto& [key, value] = (*steps)[i];
    auto next = [this, steps, i] { QTimer::singleShot(0, this, [this, steps, i] { applyStateStep(steps, i + 1); }); };
    if (key == QLatin1String("tab")) {
        setSideTab(value);
        next();
    } else if (key == QLatin1String("sorted")) {
        setSortedOrder(true);
        next();
    } else if (key == QLatin1String("edit")) {
        setEditMode(true);
        next();
    } else if (key == QLatin1String("inspect")) {
        const QStringList ln = value.split(QLatin1Char(':'));
        once(this, &HeatmapPage::inspectorReady, this, next);
        plot_->goTo(ln[0].toInt(), ln[1].toLongLong());
        inspect(ln[0].toInt(), ln[1].toLongLong());
    } else if (key == QLatin1String("mask")) {
        once(editor_, &MaskEditor::changed, this, next);
        if (openMask(value.toLongLong()) == 0) next();
    } else if (key == QLatin1String("diff")) {
        once(this, &HeatmapPage::maskDiffReady, this, next);
        if (diffWithMask(value.toLongLong()) == 0) next();
    } else if (key == QLatin1String("policy")) {
        const QStringList p = value.split(QLatin1Char(':'));
        setPolicy(p[0], p[1].toDouble(), p.size() > 2 ? p.mid(2).join(QLatin1Char(':')) : QString());
        auto* poll = new QTimer(this);
        connect(poll, &QTimer::timeout, this, [this, poll, next] {
            if (previewBusy()) return;
            poll->deleteLater();
            poll->stop();
            next();
        });
        poll->start(50);
    }
}

int HeatmapPage::diffWithMask(qint64 maskId) {
    const auto* s = current();
    if (!s || !matrices_) return 0;
    prune::StoredMask edited;
    edited.name = editor_->modified() ? "the mask being edited (not saved)" : "the mask being edited";
    try {
        std::vector<prune::Neuron> neurons;
        for (const auto& [l, n] : editor_->mask()) neurons.push_back({l, n});
        edited.mask = prune::PruneMask::fromNeurons(static_cast<int>(s->layers), s->neurons, neurons);
    } catch (const std::exception& e) {
        maskDiff_->setText(QString::fromUtf8(e.what()).toHtmlEscaped());
        return 0;
    }
    auto out = std::make_shared<study::DiffMasksResult>();
    JobSpec spec;
    spec.title = tr("Diff the mask with mask %1").arg(maskId);
    spec.kind = QStringLiteral("read");
    spec.io = true;
    spec.visible = false;
    spec.work = [ws = window_->workspacePath().toStdString(), maskId, edited, out](Progress&) {
        workspace::Workspace w = workspace::Workspace::open(ws);
        *out = study::diffStoredMasks(edited, prune::loadMask(w, maskId));
        return nlohmann::json(out->summary);
    };
    maskDiff_->setText(tr("Comparing…"));
    QPointer<HeatmapPage> self(this);
    return window_->jobs()->start(std::move(spec), [self](const nlohmann::json& d) {
        if (!self) return;
        const auto& b = d.at("b");
        QString h = tr("<b>Edited</b> %1 · <b>#%2 %3</b> %4 · overlap %5 · only edited %6 · only stored %7 · Jaccard %8")
                        .arg(d.at("a").value("count", 0LL))
                        .arg(b.value("id", 0LL))
                        .arg(qs(b.value("name", std::string())).toHtmlEscaped())
                        .arg(b.value("count", 0LL))
                        .arg(d.value("overlap", 0LL))
                        .arg(d.value("only_a", 0LL))
                        .arg(d.value("only_b", 0LL))
                        .arg(d.value("jaccard", 0.0), 0, 'f', 3);
        h += tr("<table cellpadding='1'><tr><th>L</th><th>edited</th><th>stored</th><th>both</th><th>only e.</th><th>only s.</th></tr>");
        for (const auto& [layer, c] : d.at("per_layer").items())
            h += QStringLiteral("<tr><td>%1</td><td align='right'>%2</td><td align='right'>%3</td><td align='right'>%4</td><td align='right'>%5</td><td align='right'>%6</td></tr>")
                     .arg(qs(layer))
                     .arg(c.value("a", 0LL))
                     .arg(c.value("b", 0LL))
                     .arg(c.value("overlap", 0LL))
                     .arg(c.value("only_a", 0LL))
                     .arg(c.value("only_b", 0LL));
        h += QStringLiteral("</table>");
        self->maskDiff_->setText(h);
        self->lastDiff_ = d;
        Q_EMIT self->maskDiffReady();
    }, [self](const QString& e) {
        if (self) self->maskDiff_->setText(QStringLiteral("<span style='color:#b02020'>%1</span>").arg(e.toHtmlEscaped()));
    });
}

int HeatmapPage::computeItemRows(int layer) {
    if (!matrices_ || !matrices_->run.params.contains("selection_id") || !matrices_->run.params.contains("attribution")) {
        status_->setText(tr("Run %1 records no selection to attribute again.").arg(runId_));
        return 0;
    }
    study::AttributeParams p;
    p.workspacePath = window_->workspacePath().toStdString();
    p.selectionId = matrices_->run.params.at("selection_id").get<workspace::Id>();
    try {
        p.attribution = attribution::AttributionParams::fromJson(matrices_->run.params.at("attribution"));
        p.attribution.layers = {layer};
        p.storeVectors = true;
        // A mean baseline is the mean over the run's selection and its references: the same here, so
        // the rows are the run's (the references are attributed again with it).
        if (p.attribution.baseline == attribution::BaselineKind::Mean && matrices_->run.params.contains("baseline_selections")) {
            const auto all = matrices_->run.params.at("baseline_selections").get<std::vector<workspace::Id>>();
            for (const auto id : all)
                if (id != p.selectionId) p.referenceSelections.push_back(id);
        }
        p.name = matrices_->run.name + " · per-item IG, layer " + std::to_string(layer);
        p.validate();
    } catch (const std::exception& e) {
        status_->setText(QString::fromUtf8(e.what()));
        return 0;
    }
    JobSpec spec;
    spec.title = tr("Per-item IG of layer %1 (run %2's selection)").arg(layer).arg(runId_);
    spec.kind = QStringLiteral("attribute");
    spec.workspacePath = window_->workspacePath();
    spec.command = toQStringList(study::commandLine(p));
    spec.work = [p](Progress& progress) { return nlohmann::json(study::runAttribute(p, progress).summary); };
    QPointer<HeatmapPage> self(this);
    return window_->jobs()->start(std::move(spec), [self](const nlohmann::json&) {
        if (self && self->inspected_.first >= 0) self->inspect(self->inspected_.first, self->inspected_.second);
    }, [self](const QString& e) {
        if (self) self->status_->setText(e);
    });
}

void HeatmapPage::inspect(int layer, std::int64_t neuron) {
    inspected_ = {layer, neuron};
    // Exploring (not editing), a click is a question about the neuron: show the answer.
    if (!edit_->isChecked()) sideTabs_->setCurrentIndex(sideTabs_->count() - 1);
    plot_->setSelected(layer, neuron);
    if (!matrices_) return;
    // What is known at once: the neuron's value in every matrix of this run.
    QString head = QStringLiteral("<h3>Neuron %1:%2</h3><table cellpadding='2'>").arg(layer).arg(neuron);
    for (const auto& s : matrices_->scores) {
        const auto [inLayer, overall] = ranksOf(s, layer, neuron);
        head += QStringLiteral("<tr><td>%1</td><td align='right'><b>%2</b></td><td>rank %3 in layer, %4 overall</td></tr>")
                    .arg(matrixLabel(s).toHtmlEscaped())
                    .arg(valueAt(s, layer, neuron), 0, 'g', 5)
                    .arg(inLayer)
                    .arg(overall);
    }
    head += QStringLiteral("</table>");
    inspectorHtml_ = head + tr("<p><i>Reading top items, the direct effect and token activations…</i></p>");
    inspector_->setHtml(inspectorHtml_);

    auto facts = std::make_shared<NeuronFacts>();
    const std::string ws = window_->workspacePath().toStdString();
    const workspace::RunRecord run = matrices_->run;
    const std::string modelDir = matrices_->modelDir;
    JobSpec spec;
    spec.title = tr("Inspect neuron %1:%2").arg(layer).arg(neuron);
    spec.kind = QStringLiteral("inspect");
    spec.visible = false;
    spec.work = [ws, run, modelDir, layer, neuron, facts](Progress& progress) {
        workspace::Workspace w = workspace::Workspace::open(ws);
        // The same neuron in every other attribution run on this model.
        for (const auto& r : w.runs({"attribution", false})) {
            if (r.id == run.id || r.modelId != run.modelId) continue;
            for (const auto& s : w.neuronScoresOf(r.id))
                if (layer < s.layers && neuron < s.neurons)
                    facts->otherRuns.push_back({"run #" + std::to_string(r.id) + " " + s.kind + " · " + s.dataset, valueAt(s, layer, neuron)});
        }
        // The eval run whose items were attributed: the selection's, or (the lab's runs) the input.
        workspace::Id evalRun = 0;
        if (run.params.contains("selection_id")) {
            try {
                evalRun = w.selection(run.params.at("selection_id").get<workspace::Id>()).runId;
            } catch (const std::exception&) {
                evalRun = 0;
            }
        }
        for (const auto& in : run.inputs)
            if (evalRun == 0 && in.role == "eval") evalRun = in.runId;
        const auto igOf = [&](workspace::Id r) {
            std::vector<double> v;
            for (const auto& ig : w.igItems(r, layer, workspace::ReadScope::Any))
                if (static_cast<std::int64_t>(ig.attribution.size()) > neuron)
                    v.push_back(ig.attribution[static_cast<std::size_t>(neuron)]);
            return v;
        };
        try {
            // The rows of this run, or of a run that attributed the same selection again with rows
            // for this layer (the inspector's "compute per-item IG").
            facts->rowsRun = run.id;
            facts->igValues = igOf(run.id);
            // Same selection, same attribution parameters but the layers, same mean baseline.
            const auto sameAttribution = [&](const workspace::RunRecord& r) {
                auto a = r.params.value("attribution", nlohmann::json::object());
                auto b = run.params.value("attribution", nlohmann::json::object());
                a.erase("layers");
                b.erase("layers");
                const bool meanBaseline = b.value("baseline", std::string()) == "mean";
                return r.params.value("selection_id", nlohmann::json()) == run.params.at("selection_id") && a == b &&
                       (!meanBaseline || r.params.value("baseline_selections", nlohmann::json()) ==
                                             run.params.value("baseline_selections", nlohmann::json()));
            };
            if (facts->igValues.empty() && run.params.contains("selection_id"))
                for (const auto& r : w.runs({"attribution", false}))
                    if (r.id != run.id && r.status == workspace::RunStatus::Completed && r.modelId == run.modelId &&
                        sameAttribution(r))
                        if (auto v = igOf(r.id); !v.empty()) {
                            facts->rowsRun = r.id;
                            facts->igValues = std::move(v);
                        }
            if (!facts->igValues.empty()) facts->topItems = attribution::topItemsForNeuron(w, facts->rowsRun, layer, neuron, 5);
            if (run.summary.contains("reference_runs"))
                for (const auto& ref : run.summary.at("reference_runs")) {
                    const auto refId = ref.get<workspace::Id>();
                    const workspace::RunRecord rr = w.run(refId);
                    std::string name = rr.params.value("dataset", std::string());
                    if (name.empty() && rr.params.contains("item_rows")) name = rr.params.at("item_rows").get<std::string>();
                    if (name.empty()) name = "run " + std::to_string(refId);
                    if (auto v = igOf(refId); !v.empty()) facts->referenceIg.push_back({name, std::move(v)});
                }
            if (evalRun != 0) {
                const auto items = w.items(evalRun);
                for (const auto& t : facts->topItems)
                    for (const auto& it : items)
                        if (it.index == t.itemIndex) facts->topItemRows.push_back(it);
            }
        } catch (const std::exception& e) {
            facts->igError = e.what();
        }
        progress.check();
        if (!modelDir.empty()) {
            try {
                study::DirectEffectParams d;
                d.modelDir = modelDir;
                d.layer = layer;
                d.neuron = static_cast<int>(neuron);
                d.top = 10;
                facts->effect = study::runDirectEffect(d, progress);
            } catch (const Cancelled&) {
                throw;
            } catch (const std::exception& e) {
                facts->effectError = e.what();
            }
        }
        if (evalRun != 0 && !facts->topItems.empty()) {
            try {
                study::ItemActivationsParams a;
                a.workspacePath = ws;
                a.evalRunId = evalRun;
                a.itemIndex = facts->topItems.front().itemIndex;
                a.layer = layer;
                a.neuron = static_cast<int>(neuron);
                facts->tokens = study::runItemActivations(a, progress);
                facts->tokensItem = a.itemIndex;
            } catch (const Cancelled&) {
                throw;
            } catch (const std::exception& e) {
                facts->tokensError = e.what();
            }
        }
        return nlohmann::json::object();
    };
    QPointer<HeatmapPage> self(this);
    window_->jobs()->start(std::move(spec), [self, facts, head, layer, neuron](const nlohmann::json&) {
        if (!self || self->inspected_ != NeuronKey{layer, neuron}) return;
        QString h = head;
        if (!facts->otherRuns.empty()) {
            h += tr("<h4>Other attribution runs on this model</h4><table cellpadding='2'>");
            for (const auto& [what, v] : facts->otherRuns)
                h += QStringLiteral("<tr><td>%1</td><td align='right'>%2</td></tr>").arg(qs(what).toHtmlEscaped()).arg(v, 0, 'g', 5);
            h += QStringLiteral("</table>");
        }
        h += tr("<h4>Top items (largest IG for this neuron)</h4>");
        const bool canCompute = self->matrices_ && self->matrices_->run.params.contains("selection_id") &&
                                self->matrices_->run.params.contains("attribution");
        self->computeRows_->setVisible(facts->igError.empty() && facts->igValues.empty() && canCompute);
        self->computeRows_->setText(tr("Compute per-item IG for layer %1").arg(layer));
        if (!facts->igError.empty()) {
            h += tr("<p>%1</p>").arg(qs(facts->igError).toHtmlEscaped());
        } else if (facts->igValues.empty()) {
            h += canCompute ? tr("<p>This run stores no per-item IG rows for layer %1 (it was stored with <tt>--no-vectors</tt>, "
                                 "or only its matrices were kept). <b>Compute per-item IG for layer %1</b> below attributes "
                                 "the run's selection again for this layer alone, as a job.</p>").arg(layer)
                            : tr("<p>This run stores no per-item IG rows for layer %1, and records no selection to attribute "
                                 "again.</p>").arg(layer);
        } else {
            if (facts->rowsRun != self->runId_)
                h += tr("<p><i>Per-item IG from run #%1 (the same selection attributed for this layer).</i></p>").arg(facts->rowsRun);
            h += QStringLiteral("<ol>");
            for (const auto& t : facts->topItems) {
                QString line = QStringLiteral("<b>%1</b> (IG %2)").arg(qs(t.itemId).toHtmlEscaped()).arg(t.ig, 0, 'g', 4);
                for (const auto& row : facts->topItemRows)
                    if (row.index == t.itemIndex) {
                        QString prompt = qs(row.prompt);
                        const int cut = prompt.lastIndexOf(QStringLiteral("\n\n"));
                        if (cut >= 0) prompt = prompt.mid(cut + 2);  // the item itself, exemplars folded
                        line += QStringLiteral("<br><span style='color:#333'>%1</span><br>").arg(prompt.left(400).toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>")));
                        QStringList opts;
                        for (std::size_t o = 0; o < row.probs.size(); ++o)
                            opts << QStringLiteral("%1%2 %3%4")
                                        .arg(static_cast<int>(o) == row.gold ? QStringLiteral("<u>") : QString())
                                        .arg(o < row.continuations.size() ? qs(row.continuations[o]).toHtmlEscaped() : QString::number(o))
                                        .arg(row.probs[o], 0, 'f', 3)
                                        .arg(static_cast<int>(o) == row.gold ? QStringLiteral("</u>") : QString());
                        line += tr("options (gold underlined, p): %1; predicted %2").arg(opts.join(QStringLiteral(" · "))).arg(row.pred);
                    }
                h += QStringLiteral("<li>") + line + QStringLiteral("</li>");
            }
            h += QStringLiteral("</ol>");
        }
        if (facts->tokens) {
            const auto& t = *facts->tokens;
            double top = 0;
            for (float a : t.activation) top = std::max(top, std::fabs(static_cast<double>(a)));
            h += tr("<h4>Its activation on the top item's tokens (item %1; red positive, blue negative, max |a| %2)</h4><p style='font-family:monospace'>")
                     .arg(facts->tokensItem)
                     .arg(top, 0, 'g', 3);
            for (std::size_t i = 0; i < t.tokens.size(); ++i) h += tokenSpan(t.tokens[i], t.activation[i], top);
            h += QStringLiteral("</p>");
        } else if (!facts->tokensError.empty()) {
            h += tr("<p>Token activations: %1</p>").arg(qs(facts->tokensError).toHtmlEscaped());
        }
        if (facts->effect) {
            const auto& e = *facts->effect;
            auto list = [](const std::vector<study::TokenEffect>& v) {
                QStringList out;
                for (const auto& t : v) out << QStringLiteral("<tt>%1</tt> %2").arg(qs(t.text).toHtmlEscaped()).arg(t.value, 0, 'g', 3);
                return out.join(QStringLiteral(", "));
            };
            h += tr("<h4>Direct effect on the output (down-projection column · final norm · unembedding)</h4>"
                    "<p><b>up:</b> %1</p><p><b>down:</b> %2</p><p><b>option letters:</b> %3</p>")
                     .arg(list(e.up), list(e.down), list(e.letters));
        } else if (!facts->effectError.empty()) {
            h += tr("<p>Direct effect: %1</p>").arg(qs(facts->effectError).toHtmlEscaped());
        }
        self->inspectorHtml_ = h;
        self->inspector_->setHtml(h);
        if (!facts->igValues.empty()) {
            // One histogram per selection on the same bins: this selection and each reference's.
            double lo = *std::min_element(facts->igValues.begin(), facts->igValues.end());
            double hi = *std::max_element(facts->igValues.begin(), facts->igValues.end());
            for (const auto& [name, v] : facts->referenceIg) {
                lo = std::min(lo, *std::min_element(v.begin(), v.end()));
                hi = std::max(hi, *std::max_element(v.begin(), v.end()));
            }
            if (hi <= lo) hi = lo + 1e-9;
            static const QColor palette[] = {QColor(0xd9, 0x5f, 0x02), QColor(0x1b, 0x9e, 0x77), QColor(0xe7, 0x29, 0x8a),
                                             QColor(0x66, 0xa6, 0x1e)};
            std::vector<HistogramSeries> series{{tr("this selection"), facts->igValues,
                                                 QColor(0x75, 0x70, 0xb3)}};
            for (std::size_t i = 0; i < facts->referenceIg.size(); ++i)
                series.push_back({tr("reference %1").arg(qs(facts->referenceIg[i].first)),
                                  facts->referenceIg[i].second, palette[i % 4]});
            self->igSeries_ = series;
            self->igHistogram_->setSeries(series, lo, hi, 20);
        } else {
            self->igSeries_.clear();
            self->igHistogram_->setSeries({}, 0, 1, 20);
        }
        Q_EMIT self->inspectorReady();
    }, [self](const QString& e) {
        if (self) self->inspector_->setHtml(self->inspectorHtml_ + QStringLiteral("<p style='color:#b02020'>%1</p>").arg(e.toHtmlEscaped()));
    });
}

QString HeatmapPage::inspectorHtml() const { return inspectorHtml_; }

int HeatmapPage::ablateAndEvaluate(const std::vector<qint64>& evalRuns) {
    if (editor_->mask().empty()) {
        ablateResult_->setText(tr("The mask is empty: click neurons or merge a policy selection first."));
        return 0;
    }
    if (evalRuns.empty()) {
        ablateResult_->setText(tr("Check at least one eval run to evaluate again."));
        return 0;
    }
    study::AblateParams p;
    p.workspacePath = window_->workspacePath().toStdString();
    std::string neurons;
    for (const auto& [l, n] : editor_->mask()) neurons += (neurons.empty() ? "" : ",") + std::to_string(l) + ":" + std::to_string(n);
    p.neurons = neurons;
    p.evalRuns.assign(evalRuns.begin(), evalRuns.end());
    JobSpec spec;
    spec.title = tr("Ablate %1 neurons and evaluate %2 run(s)").arg(editor_->mask().size()).arg(evalRuns.size());
    spec.kind = QStringLiteral("ablate");
    spec.workspacePath = window_->workspacePath();
    try {
        p.validate();
        spec.command = toQStringList(study::commandLine(p));
    } catch (const std::exception& e) {
        ablateResult_->setText(QString::fromUtf8(e.what()));
        return 0;
    }
    spec.work = [p](Progress& progress) { return nlohmann::json(study::runAblate(p, progress).summary); };
    ablateResult_->setText(tr("Evaluating…"));
    QPointer<HeatmapPage> self(this);
    return window_->jobs()->start(std::move(spec), [self](const nlohmann::json& r) {
        if (!self) return;
        QString text;
        for (const auto& run : r.value("runs", nlohmann::json::array())) {
            const auto& d = run.value("difference", nlohmann::json::object());
            text += tr("<b>%1</b>: acc %2 → %3, difference %4 [%5, %6]")
                        .arg(qs(run.value("benchmark", std::string())).toHtmlEscaped())
                        .arg(run.value("acc_before", 0.0), 0, 'f', 3)
                        .arg(run.value("acc_after", 0.0), 0, 'f', 3)
                        .arg(d.value("mean", 0.0), 0, 'f', 3)
                        .arg(d.value("low", 0.0), 0, 'f', 3)
                        .arg(d.value("high", 0.0), 0, 'f', 3);
            if (run.contains("mcnemar"))
                text += tr(", McNemar p %1").arg(run.at("mcnemar").value("exact_p", 1.0), 0, 'g', 3);
            if (run.contains("cue_following"))
                text += tr(", cue-following %1 → %2")
                            .arg(run.at("cue_following").value("before", 0.0), 0, 'f', 3)
                            .arg(run.at("cue_following").value("after", 0.0), 0, 'f', 3);
            text += QStringLiteral(" (run #%1)<br>").arg(run.value("ablated_run", 0LL));
        }
        self->ablateResult_->setText(text);
        self->lastAblation_ = r;
        Q_EMIT self->ablationReady();
    }, [self](const QString& e) {
        if (self) self->ablateResult_->setText(QStringLiteral("<span style='color:#b02020'>%1</span>").arg(e.toHtmlEscaped()));
    });
}

}  // namespace prominence::ui
