#include "ui/views/comparison_page.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

#include "ui/main_window.h"
#include "ui/views/comparison_plot.h"
#include "ui/plots/figure_export.h"

namespace prominence::ui {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QColor conditionColor(const std::string& c) {
    if (c == "before") return QColor(0x9e, 0x9e, 0x9e);
    if (c == "method") return QColor(0x1b, 0x9e, 0x77);
    if (c == "finetune_only") return QColor(0x75, 0x70, 0xb3);
    if (c == "prune_only") return QColor(0xd9, 0x5f, 0x02);
    if (c == "random_finetune") return QColor(0xe7, 0x29, 0x8a);
    if (c == "magnitude_finetune") return QColor(0x66, 0xa6, 0x1e);
    if (c == "random_prune_only") return QColor(0xe6, 0xab, 0x02);
    return QColor(0x44, 0x44, 0x44);
}

QString contrastLabel(const std::string& a, const std::string& b) { return qs(a) + QStringLiteral(" − ") + qs(b); }

QString signedText(double v, int digits = 3) {
    return (v >= 0 ? QStringLiteral("+") : QStringLiteral("−")) + QString::number(std::abs(v), 'f', digits);
}

QString pText(double p) { return p < 1e-4 ? QStringLiteral("p < 0.0001") : QStringLiteral("p = %1").arg(p, 0, 'g', 3); }

QString seedsText(const std::vector<std::uint64_t>& seeds) {
    QStringList s;
    for (std::uint64_t x : seeds) s << QString::number(x);
    return s.isEmpty() ? QObject::tr("none (seed-free conditions)") : s.join(QStringLiteral(", "));
}

// A diverging fill for a difference: green above 0, red below, stronger with |d| / scale; faded when
// the interval includes 0.
QColor differenceColor(double d, double scale, bool significant) {
    const double t = scale > 0 ? std::min(1.0, std::abs(d) / scale) : 0.0;
    const QColor base = d >= 0 ? QColor(0x1a, 0x98, 0x50) : QColor(0xd7, 0x30, 0x27);
    const double strength = significant ? 0.25 + 0.6 * t : 0.12 + 0.18 * t;
    auto mix = [&](int c) { return static_cast<int>(std::lround(255 + (c - 255) * strength)); };
    return QColor(mix(base.red()), mix(base.green()), mix(base.blue()));
}

}  // namespace

ComparisonPage::ComparisonPage(MainWindow* window, qint64 comparisonRunId, QWidget* parent)
    : QWidget(parent), window_(window), runId_(comparisonRunId) {
    setObjectName(QStringLiteral("comparisonPage"));
    auto* top = new QVBoxLayout(this);
    top->setContentsMargins(12, 10, 12, 8);
    title_ = new QLabel(tr("Comparison run %1").arg(runId_), this);
    title_->setObjectName(QStringLiteral("comparisonTitle"));
    title_->setWordWrap(true);
    title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    top->addWidget(title_);

    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Show:"), this));
    modeBox_ = new QComboBox(this);
    modeBox_->setObjectName(QStringLiteral("comparisonMode"));
    modeBox_->addItem(tr("Accuracy per condition (95% CI)"));
    modeBox_->addItem(tr("Paired difference: method − finetune_only"));
    modeBox_->addItem(tr("Paired difference: method − random_finetune"));
    modeBox_->setToolTip(tr("Accuracy with the stored intervals, or the method's paired difference against a control "
                            "(per item within each seed, bootstrap interval over items); the matrix follows the contrast"));
    modeBox_->setEnabled(false);
    bar->addWidget(modeBox_);
    bar->addStretch(1);
    auto* save = new QPushButton(tr("Save figure…"), this);
    save->setObjectName(QStringLiteral("saveFigureButton"));
    save->setToolTip(tr("Save the chart of this tab as PNG, SVG or PDF"));
    bar->addWidget(save);
    top->addLayout(bar);

    tabs_ = new QTabWidget(this);
    auto* split = new QSplitter(Qt::Vertical, tabs_);
    bars_ = new GroupedBarPlot(split);
    auto* lower = new QWidget(split);
    auto* lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 4, 0, 0);
    auto* matrixLabel = new QLabel(tr("<b>In-domain × transfer</b> — rows: the benchmark neurons were scored and fine-tuned "
                                      "on; columns: where it is evaluated. Double-click a cell for its flipped items."),
                                   lower);
    matrixLabel->setWordWrap(true);
    lowerLayout->addWidget(matrixLabel);
    matrix_ = new QTableWidget(lower);
    matrix_->setObjectName(QStringLiteral("comparisonMatrix"));
    matrix_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    matrix_->setSelectionMode(QAbstractItemView::SingleSelection);
    matrix_->setWordWrap(true);
    matrix_->setContextMenuPolicy(Qt::CustomContextMenu);
    matrix_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    matrix_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    lowerLayout->addWidget(matrix_);
    mcnemar_ = new QLabel(lower);
    mcnemar_->setObjectName(QStringLiteral("comparisonMcNemar"));
    mcnemar_->setWordWrap(true);
    mcnemar_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    lowerLayout->addWidget(mcnemar_);
    lowerLayout->addStretch(1);
    split->setStretchFactor(0, 4);
    split->setStretchFactor(1, 1);
    tabs_->addTab(split, tr("Conditions"));

    labTab_ = new QWidget(tabs_);
    auto* lab = new QHBoxLayout(labTab_);
    auto* left = new QVBoxLayout;
    cue_ = new GroupedBarPlot(labTab_);
    left->addWidget(cue_, 1);
    ablation_ = new QLabel(labTab_);
    ablation_->setObjectName(QStringLiteral("labAblation"));
    ablation_->setWordWrap(true);
    ablation_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    left->addWidget(ablation_);
    lab->addLayout(left, 1);
    probe_ = new LineChart(labTab_);
    lab->addWidget(probe_, 1);
    labTab_->hide();  // a tab only for the Shortcut Lab's comparisons
    top->addWidget(tabs_, 1);

    status_ = new QLabel(tr("Reading the comparison of run %1…").arg(runId_), this);
    status_->setObjectName(QStringLiteral("comparisonStatus"));
    status_->setWordWrap(true);
    top->addWidget(status_);

    connect(modeBox_, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this](int i) { setMode(static_cast<Mode>(i)); });
    connect(save, &QPushButton::clicked, this, &ComparisonPage::chooseAndSave);
    connect(matrix_, &QTableWidget::cellDoubleClicked, this, [this](int r, int c) { activateMatrixCell(r, c); });
    connect(matrix_, &QTableWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        const QModelIndex at = matrix_->indexAt(pos);
        const PairedDifference* d = at.isValid() ? cellDifference(at.row(), at.column()) : nullptr;
        if (!d) return;
        QMenu menu(this);
        for (std::size_t i = 0; i < d->runPairs.size(); ++i) {
            const auto [a, b] = d->runPairs[i];
            const QString seed = i < d->seeds.size() ? tr("seed %1").arg(d->seeds[i]) : tr("seed-free");
            menu.addAction(tr("Flipped items, %1 (eval runs %2 vs %3)").arg(seed).arg(a).arg(b), this,
                           [this, a = a, b = b] { Q_EMIT openFlipped(a, b); });
        }
        menu.exec(matrix_->viewport()->mapToGlobal(pos));
    });
    load();
}

QString ComparisonPage::statusText() const { return status_->text(); }

bool ComparisonPage::hasGroundTruth() const { return data_ && data_->labRunId.has_value(); }
QString ComparisonPage::ablationText() const { return ablation_->text(); }

void ComparisonPage::load() {
    auto out = std::make_shared<std::shared_ptr<ComparisonData>>();
    JobSpec spec;
    spec.title = tr("Read comparison run %1").arg(runId_);
    spec.kind = QStringLiteral("read");
    spec.io = true;
    spec.visible = false;
    spec.work = [ws = window_->workspacePath().toStdString(), id = runId_, out](Progress&) {
        *out = std::make_shared<ComparisonData>(loadComparisonTable(ws, id));
        return nlohmann::json::object();
    };
    QPointer<ComparisonPage> self(this);
    window_->jobs()->start(
        std::move(spec), [self, out](const nlohmann::json&) { if (self) self->onTable(*out); },
        [self](const QString& e) { if (self) self->fail(e); });
}

void ComparisonPage::fail(const QString& message) {
    error_ = message;
    status_->setText(message);
    status_->setStyleSheet(QStringLiteral("color: #b02020"));
    Q_EMIT ready();
}

void ComparisonPage::onTable(std::shared_ptr<ComparisonData> data) {
    data_ = std::move(data);
    const ComparisonData& d = *data_;
    QStringList transfer;
    for (const auto& b : d.benchmarks)
        if (b != d.source) transfer << qs(b);
    title_->setText(tr("<h2>Comparison #%1 · %2</h2>in-domain <b>%3</b> · transfer %4 · scoring %5 · %6 shots · seeds %7 · "
                       "method prunes %8 neurons · error bars: %9% bootstrap intervals over items")
                        .arg(d.comparisonId)
                        .arg(qs(d.name).toHtmlEscaped(), qs(d.source).toHtmlEscaped(),
                             transfer.isEmpty() ? tr("none") : transfer.join(QStringLiteral(", ")).toHtmlEscaped(),
                             qs(d.scoring))
                        .arg(d.shots)
                        .arg(seedsText(d.seeds))
                        .arg(d.pruned)
                        .arg(d.ciLevel * 100, 0, 'g', 3));
    showBars();
    showMcNemar();
    showGroundTruth();
    status_->setText(tr("compare run %1 · %2 cells · computing the paired differences…").arg(runId_).arg(d.cells.size()));
    Q_EMIT tableShown();

    auto copy = std::make_shared<ComparisonData>(d);
    JobSpec spec;
    spec.title = tr("Paired differences of comparison run %1").arg(runId_);
    spec.kind = QStringLiteral("read");
    spec.io = true;
    spec.visible = false;
    spec.work = [ws = window_->workspacePath().toStdString(), copy](Progress&) {
        loadPairedDifferences(ws, *copy);
        return nlohmann::json::object();
    };
    QPointer<ComparisonPage> self(this);
    window_->jobs()->start(
        std::move(spec), [self, copy](const nlohmann::json&) { if (self) self->onPaired(copy); },
        [self](const QString& e) { if (self) self->fail(e); });
}

void ComparisonPage::onPaired(std::shared_ptr<ComparisonData> data) {
    data_ = std::move(data);
    modeBox_->setEnabled(!data_->differences.empty());
    showBars();
    showMatrix();
    status_->setText(tr("compare run %1 · %2 cells · %3 paired differences · %4 comparisons of this model in the matrix")
                         .arg(runId_)
                         .arg(data_->cells.size())
                         .arg(data_->differences.size())
                         .arg(data_->matrix.size()));
    Q_EMIT ready();
}

std::pair<std::string, std::string> ComparisonPage::contrast() const {
    return mode_ == Mode::VsRandom ? comparisonContrasts()[1] : comparisonContrasts()[0];
}

void ComparisonPage::setMode(Mode mode) {
    mode_ = mode;
    if (modeBox_->currentIndex() != static_cast<int>(mode)) {
        const QSignalBlocker block(modeBox_);
        modeBox_->setCurrentIndex(static_cast<int>(mode));
    }
    if (!data_) return;
    showBars();
    showMatrix();
}

void ComparisonPage::showBars() {
    const ComparisonData& d = *data_;
    QStringList groups;
    for (const auto& b : d.benchmarks) groups << (b == d.source ? tr("%1 (in-domain)").arg(qs(b)) : qs(b));
    std::vector<BarSeries> series;
    if (mode_ == Mode::Accuracy || !d.pairedLoaded) {
        for (const auto& c : d.conditions) {
            BarSeries s{qs(c), conditionColor(c), {}, {}, {}};
            for (const auto& b : d.benchmarks) {
                const ComparisonCell* cell = d.cell(c, b);
                s.values.push_back(cell ? cell->mean : kNaN);
                s.low.push_back(cell ? cell->ciLow : kNaN);
                s.high.push_back(cell ? cell->ciHigh : kNaN);
            }
            series.push_back(std::move(s));
        }
        bars_->setData(groups, series, tr("accuracy"), false, kNaN, kNaN);
        return;
    }
    const auto [a, b] = contrast();
    BarSeries s{contrastLabel(a, b), conditionColor(b), {}, {}, {}};
    for (const auto& bench : d.benchmarks) {
        const PairedDifference* p = d.difference(a, b, bench);
        s.values.push_back(p ? p->mean : kNaN);
        s.low.push_back(p ? p->ciLow : kNaN);
        s.high.push_back(p ? p->ciHigh : kNaN);
    }
    series.push_back(std::move(s));
    bars_->setData(groups, series, tr("paired accuracy difference (%1% CI)").arg(d.ciLevel * 100, 0, 'g', 3), true, kNaN, kNaN);
}

double ComparisonPage::barHeight(const QString& benchmark, const QString& series) const {
    if (!data_) return kNaN;
    for (int s = 0; s < bars_->seriesCount(); ++s)
        if (bars_->seriesName(s) == series)
            for (std::size_t g = 0; g < data_->benchmarks.size(); ++g)
                if (qs(data_->benchmarks[g]) == benchmark) return bars_->height(s, static_cast<int>(g));
    return kNaN;
}

std::pair<double, double> ComparisonPage::barError(const QString& benchmark, const QString& series) const {
    if (!data_) return {kNaN, kNaN};
    for (int s = 0; s < bars_->seriesCount(); ++s)
        if (bars_->seriesName(s) == series)
            for (std::size_t g = 0; g < data_->benchmarks.size(); ++g)
                if (qs(data_->benchmarks[g]) == benchmark) return bars_->errorBar(s, static_cast<int>(g));
    return {kNaN, kNaN};
}

const PairedDifference* ComparisonPage::cellDifference(int row, int column) const {
    if (!data_ || row < 0 || row >= static_cast<int>(data_->matrix.size()) || column < 0 || column >= matrixColumns_.size())
        return nullptr;
    const auto [a, b] = contrast();
    for (const PairedDifference& d : data_->matrix[static_cast<std::size_t>(row)].differences)
        if (d.a == a && d.b == b && qs(d.benchmark) == matrixColumns_[column]) return &d;
    return nullptr;
}

void ComparisonPage::showMatrix() {
    const ComparisonData& d = *data_;
    matrixColumns_.clear();
    for (const auto& b : d.benchmarks) matrixColumns_ << qs(b);
    for (const MatrixRow& r : d.matrix)
        for (const PairedDifference& p : r.differences)
            if (!matrixColumns_.contains(qs(p.benchmark))) matrixColumns_ << qs(p.benchmark);
    const auto [a, b] = contrast();
    double scale = 0;
    for (const MatrixRow& r : d.matrix)
        for (const PairedDifference& p : r.differences)
            if (p.a == a && p.b == b) scale = std::max(scale, std::abs(p.mean));
    matrix_->clear();
    matrix_->setRowCount(static_cast<int>(d.matrix.size()));
    matrix_->setColumnCount(matrixColumns_.size());
    matrix_->setHorizontalHeaderLabels(matrixColumns_);
    QStringList rows;
    for (const MatrixRow& r : d.matrix)
        rows << (r.runId == d.runId ? tr("%1 (this comparison)").arg(qs(r.source)) : tr("%1 (#%2 %3)").arg(qs(r.source)).arg(r.comparisonId).arg(qs(r.name)));
    matrix_->setVerticalHeaderLabels(rows);
    for (int row = 0; row < matrix_->rowCount(); ++row)
        for (int col = 0; col < matrix_->columnCount(); ++col) {
            auto* item = new QTableWidgetItem;
            item->setTextAlignment(Qt::AlignCenter);
            const PairedDifference* p = cellDifference(row, col);
            if (!p) {
                item->setText(QStringLiteral("—"));
                item->setToolTip(tr("not evaluated in this comparison"));
                item->setForeground(QColor(0x99, 0x99, 0x99));
                matrix_->setItem(row, col, item);
                continue;
            }
            const bool inDomain = p->benchmark == d.matrix[static_cast<std::size_t>(row)].source;
            item->setText(tr("%1  [%2, %3]%4\nMcNemar %5 vs %6 · %7")
                              .arg(signedText(p->mean), signedText(p->ciLow), signedText(p->ciHigh),
                                   p->significant() ? QStringLiteral(" *") : QString())
                              .arg(p->onlyA)
                              .arg(p->onlyB)
                              .arg(pText(p->exactP)));
            item->setBackground(differenceColor(p->mean, scale, p->significant()));
            QFont f = item->font();
            f.setBold(p->significant());
            f.setItalic(inDomain);
            item->setFont(f);
            item->setToolTip(tr("%1 on %2%3: mean paired difference %4, %5% interval [%6, %7] over %8 items%9\n"
                                "McNemar (seeds pooled): only %10 right %11, only %12 right %13, exact %14, χ² %15\n"
                                "seeds: %16\nDouble-click: the flipped items (first seed); right-click: every seed")
                                 .arg(contrastLabel(p->a, p->b), qs(p->benchmark), inDomain ? tr(" (in-domain)") : QString())
                                 .arg(signedText(p->mean, 4))
                                 .arg(p->level * 100, 0, 'g', 3)
                                 .arg(signedText(p->ciLow, 4), signedText(p->ciHigh, 4))
                                 .arg(p->items)
                                 .arg(p->significant() ? tr(" — excludes 0") : tr(" — includes 0"))
                                 .arg(qs(p->a))
                                 .arg(p->onlyA)
                                 .arg(qs(p->b))
                                 .arg(p->onlyB)
                                 .arg(pText(p->exactP), pText(p->chi2P), seedsText(p->seeds)));
            matrix_->setItem(row, col, item);
        }
    // As tall as its rows (at most eight), so the chart keeps the space.
    matrix_->resizeRowsToContents();
    int h = matrix_->horizontalHeader()->sizeHint().height() + 2 * matrix_->frameWidth();
    for (int r = 0; r < std::min(matrix_->rowCount(), 8); ++r) h += matrix_->rowHeight(r);
    matrix_->setFixedHeight(h + 2);
}

bool ComparisonPage::activateMatrixCell(int row, int column) {
    const PairedDifference* p = cellDifference(row, column);
    if (!p || p->runPairs.empty()) return false;
    Q_EMIT openFlipped(p->runPairs.front().first, p->runPairs.front().second);
    return true;
}

void ComparisonPage::showMcNemar() {
    const nlohmann::json& rows = data_->table.value("mcnemar", nlohmann::json::array());
    if (rows.empty()) {
        mcnemar_->setText(tr("No McNemar rows stored (the comparison lacks method or finetune_only)."));
        return;
    }
    QStringList lines;
    for (const auto& t : rows)
        lines << tr("%1: only method right %2, only finetune_only right %3, exact %4, χ² %5 (%6)")
                     .arg(qs(t.value("benchmark", std::string())))
                     .arg(t.value("only_a", std::int64_t{0}))
                     .arg(t.value("only_b", std::int64_t{0}))
                     .arg(pText(t.value("exact_p", 1.0)))
                     .arg(t.value("chi2", 0.0), 0, 'g', 4)
                     .arg(pText(t.value("chi2_p", 1.0)));
    mcnemar_->setText(tr("<b>McNemar, method vs finetune_only (stored, seeds %1 pooled)</b><br>%2")
                          .arg(seedsText(data_->seeds), lines.join(QStringLiteral("<br>"))));
}

void ComparisonPage::showGroundTruth() {
    const ComparisonData& d = *data_;
    const int index = tabs_->indexOf(labTab_);
    if (!d.labRunId) {
        if (index >= 0) tabs_->removeTab(index);
        labTab_->hide();
        return;
    }
    if (index < 0) tabs_->addTab(labTab_, tr("Shortcut Lab ground truth"));
    const nlohmann::json& gt = d.groundTruth;
    // Cue-following per condition: the share of source_conflict answers that follow the planted tags.
    const nlohmann::json byCond = gt.value("cue_following_by_condition", nlohmann::json::object());
    QStringList groups;
    BarSeries cue{tr("cue-following"), QColor(0xd9, 0x5f, 0x02), {}, {}, {}};
    BarSeries acc{tr("conflict accuracy"), QColor(0x1b, 0x9e, 0x77), {}, {}, {}};
    std::vector<std::string> order = d.conditions;
    for (auto it = byCond.begin(); it != byCond.end(); ++it)
        if (std::find(order.begin(), order.end(), it.key()) == order.end()) order.push_back(it.key());
    for (const std::string& c : order) {
        if (!byCond.contains(c)) continue;
        groups << qs(c);
        for (auto [series, key] : {std::pair<BarSeries*, const char*>{&cue, "cue_following"}, {&acc, "conflict_accuracy"}}) {
            const nlohmann::json& st = byCond.at(c).value(key, nlohmann::json::object());
            const double m = st.value("mean", kNaN), sd = st.value("sd", 0.0);
            series->values.push_back(m);
            series->low.push_back(m - sd);
            series->high.push_back(m + sd);
        }
    }
    cue_->setData(groups, {cue, acc}, tr("share of source_conflict items (± sd over runs)"), false, 0.0, 1.05);

    const nlohmann::json ab = gt.value("ablation", nlohmann::json::object());
    const nlohmann::json rnd = ab.value("random_neurons_cue_following_change", nlohmann::json::object());
    const int draws = static_cast<int>(rnd.value("per_run", nlohmann::json::array()).size());
    const nlohmann::json before = gt.value("reliance_before", nlohmann::json::object());
    ablation_->setText(tr("<b>Ablation, no fine-tuning</b> (cue-following before: %1)<br>"
                          "method's neurons: %2 · random neurons of the same per-layer counts: %3 ± %4 over %5 draws · "
                          "%6 of %5 random draws dropped at least as much<br>"
                          "ambiguous-source accuracy: method %7, random %8")
                           .arg(before.value("cue_following", kNaN), 0, 'f', 3)
                           .arg(signedText(ab.value("method_neurons_cue_following_change", kNaN)))
                           .arg(signedText(rnd.value("mean", kNaN)))
                           .arg(rnd.value("sd", kNaN), 0, 'f', 3)
                           .arg(draws)
                           .arg(ab.value("random_draws_with_a_drop_at_least_as_large", 0))
                           .arg(signedText(ab.value("method_neurons_ambiguous_accuracy_change", kNaN)))
                           .arg(signedText(ab.value("random_neurons_ambiguous_accuracy_change", nlohmann::json::object())
                                               .value("mean", kNaN))));

    // The localisation probe: cue-following after pruning the top p% (no fine-tuning).
    const nlohmann::json& probe = d.probe;
    std::vector<LineSeries> lines;
    LineSeries method{tr("method's top p%"), conditionColor("method"), {}, {}, Qt::SolidLine, true};
    LineSeries random{tr("random (mean over seeds)"), conditionColor("random_finetune"), {}, {}, Qt::SolidLine, true};
    LineSeries oracle{tr("oracle's top p%"), QColor(0x31, 0x31, 0x9c), {}, {}, Qt::SolidLine, true};
    for (const auto& row : probe.value("sweep", nlohmann::json::array())) {
        const double x = row.value("percent", kNaN);
        method.x.push_back(x);
        method.y.push_back(row.value("method", nlohmann::json::object()).value("cue_following", kNaN));
        random.x.push_back(x);
        random.y.push_back(row.value("random", nlohmann::json::object()).value("cue_following", nlohmann::json::object()).value("mean", kNaN));
        if (row.contains("oracle")) {
            oracle.x.push_back(x);
            oracle.y.push_back(row.at("oracle").value("cue_following", kNaN));
        }
    }
    lines.push_back(method);
    lines.push_back(random);
    if (!oracle.x.empty()) lines.push_back(oracle);
    if (!method.x.empty()) {
        const double x0 = *std::min_element(method.x.begin(), method.x.end());
        const double x1 = *std::max_element(method.x.begin(), method.x.end());
        if (probe.contains("tags_removed"))
            lines.push_back({tr("floor: tags removed from the prompt"), QColor(0x33, 0x33, 0x33), {x0, x1},
                             {probe.at("tags_removed").value("cue_following", kNaN), probe.at("tags_removed").value("cue_following", kNaN)},
                             Qt::DashLine, false});
        if (probe.contains("baseline"))
            lines.push_back({tr("nothing pruned"), QColor(0x99, 0x99, 0x99), {x0, x1},
                             {probe.at("baseline").value("cue_following", kNaN), probe.at("baseline").value("cue_following", kNaN)},
                             Qt::DotLine, false});
    }
    probe_->setSeries(lines, tr("neurons pruned (% of the selectable ones)"), tr("cue-following on source_conflict"), 0.0, 1.05);
}

bool ComparisonPage::saveFigure(const QString& path, QString* error) {
    if (!data_) {
        if (error) *error = tr("the comparison is not loaded yet");
        return false;
    }
    if (tabs_->currentWidget() == labTab_) return probe_->saveFigure(path, error);
    return bars_->saveFigure(path, error);
}

void ComparisonPage::chooseAndSave() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save figure"), QStringLiteral("comparison-%1.svg").arg(runId_),
                                                      figureFileFilter());
    if (path.isEmpty()) return;
    QString error;
    if (saveFigure(path, &error)) status_->setText(tr("Figure saved to %1").arg(path));
    else status_->setText(error);
}

}  // namespace prominence::ui
