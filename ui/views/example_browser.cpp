#include "core/data/text_utils.h"
#include "core/lab/benchmark_generator.h"
#include "core/study/command_line.h"
#include "core/study/eval_step.h"
#include "core/workspace/workspace.h"

#include "ui/views/example_browser.h"

#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPointer>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

#include "ui/jobs/command_text.h"
#include "ui/main_window.h"
#include "ui/views/range_histogram.h"

namespace prominence::ui {

using workspace::CorrectFilter;
using workspace::FlipFilter;
using workspace::ItemColumn;

struct ExampleBrowser::Detail {
    std::int64_t index = -1;
    workspace::ItemResult item;
    std::optional<workspace::ItemResult> compare;
    std::optional<qint64> compareRun;
    std::string scoring;  // letter | loglik
    int shots = 0;
    std::optional<LabFact> lab;
};

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }
QString esc(const std::string& s) { return qs(s).toHtmlEscaped(); }
QString letter(std::int64_t i) { return i >= 0 && i < 26 ? QString(QChar(static_cast<char16_t>(u'A' + i))) : QString::number(i); }
QString num(double v, int digits = 3) {
    if (std::isinf(v)) return v < 0 ? QStringLiteral("−∞") : QStringLiteral("∞");
    return QString::number(v, 'f', digits);
}

// The Shortcut Lab's benchmark files carry each item's planted facts beside the fields core/data
// reads; any other file is not a lab benchmark (nullptr).
std::shared_ptr<LabFacts> readLabFacts(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return nullptr;
    std::string line;
    while (std::getline(in, line) && line.empty()) {
    }
    try {
        const nlohmann::json j = nlohmann::json::parse(line);
        if (!j.is_object() || !j.contains("task") || !j.contains("cue") || !j.contains("ambiguous")) return nullptr;
    } catch (const nlohmann::json::exception&) {
        return nullptr;
    }
    auto facts = std::make_shared<LabFacts>();
    for (const lab::LabItem& it : lab::readJsonl(path)) facts->emplace(it.id, LabFact{lab::taskName(it.task), it.cue, it.ambiguous});
    return facts;
}

QString runLabel(const workspace::RunRecord& r) {
    QString s = QStringLiteral("#%1 %2").arg(r.id).arg(qs(r.name));
    if (r.summary.contains("acc") && r.summary.at("acc").is_number())
        s += QStringLiteral(" · acc %1").arg(r.summary.at("acc").get<double>(), 0, 'f', 3);
    if (r.status != workspace::RunStatus::Completed) s += QStringLiteral(" (%1)").arg(qs(workspace::runStatusName(r.status)));
    return s;
}

// A light bar behind a probability in [0, 1] (the cell's UserRole), so the column reads at a glance.
class ProbabilityDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        const QVariant v = index.data(Qt::UserRole);
        if (v.isValid() && !(option.state & QStyle::State_Selected)) {
            const double p = std::clamp(v.toDouble(), 0.0, 1.0);
            QRect r = option.rect.adjusted(2, 3, -2, -3);
            r.setWidth(static_cast<int>(std::lround(r.width() * p)));
            painter->fillRect(r, QColor(0x1b, 0x9e, 0x77, 60));
        }
        QStyledItemDelegate::paint(painter, option, index);
    }
};

QString bar(double p, const char* colour, int width = 150) {
    const int w = std::clamp(static_cast<int>(std::lround(p * width)), 1, width - 1);
    return QStringLiteral("<table cellspacing='0' cellpadding='0'><tr><td width='%1' bgcolor='%2'>&nbsp;</td>"
                          "<td width='%3' bgcolor='#ececec'>&nbsp;</td></tr></table>")
        .arg(w)
        .arg(QLatin1String(colour))
        .arg(width - w);
}

}  // namespace

ExampleBrowser::ExampleBrowser(MainWindow* window, qint64 evalRunId, QWidget* parent)
    : QWidget(parent), window_(window), runId_(evalRunId) {
    setObjectName(QStringLiteral("exampleBrowser"));
    model_ = new ItemTableModel(window_->jobs(), this);
    debounce_ = new QTimer(this);
    debounce_->setSingleShot(true);
    debounce_->setInterval(200);
    connect(debounce_, &QTimer::timeout, this, &ExampleBrowser::applyFilter);
    buildUi();
    connect(model_, &ItemTableModel::queryFinished, this, &ExampleBrowser::onRowsReady);
    connect(model_, &ItemTableModel::queryFailed, this, [this](const QString& e) {
        statusNote_ = e;
        updateStatus();
        firstShown_ = true;
        maybeReady();
        Q_EMIT rowsReady();
    });
    connect(model_, &ItemTableModel::pageLoaded, this, [this](int first, int) {
        if (first == 0) {
            firstShown_ = true;
            maybeReady();
        }
    });
    connect(window_, &MainWindow::workspaceLoaded, this, [this] {
        fillPickers();
        fillSelectionPicker();
        model_->setSelectionNames(selectionNames());
    });
    fillPickers();
    loadSource();
}

// ---- layout ----------------------------------------------------------------------------------

void ExampleBrowser::buildUi() {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(4);

    auto* row1 = new QHBoxLayout;
    auto* row2 = new QHBoxLayout;
    layout->addLayout(row1);
    layout->addLayout(row2);
    benchmark_ = new QComboBox(this);
    benchmark_->setObjectName(QStringLiteral("benchmarkCombo"));
    benchmark_->setToolTip(tr("Benchmarks with stored eval runs"));
    benchmark_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    benchmark_->setMinimumContentsLength(14);
    run_ = new QComboBox(this);
    run_->setObjectName(QStringLiteral("runCombo"));
    run_->setToolTip(tr("The eval run browsed"));
    run_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    run_->setMinimumContentsLength(26);
    compare_ = new QComboBox(this);
    compare_->setObjectName(QStringLiteral("compareCombo"));
    compare_->setToolTip(tr("A second eval run of the same benchmark (after pruning, after fine-tuning, another "
                            "condition): its p(correct) beside this run's, and the items that flipped"));
    compare_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    compare_->setMinimumContentsLength(26);
    flip_ = new QComboBox(this);
    flip_->setObjectName(QStringLiteral("flipCombo"));
    flip_->setToolTip(tr("Items whose correctness differs between the two runs: McNemar's discordant pairs"));
    flip_->addItem(tr("all items"), static_cast<int>(FlipFilter::Any));
    flip_->addItem(tr("right here → wrong there"), static_cast<int>(FlipFilter::RightToWrong));
    flip_->addItem(tr("wrong here → right there"), static_cast<int>(FlipFilter::WrongToRight));
    flip_->addItem(tr("either flip"), static_cast<int>(FlipFilter::Either));
    row1->addWidget(new QLabel(tr("Benchmark"), this));
    row1->addWidget(benchmark_, 1);
    row1->addWidget(new QLabel(tr("Run"), this));
    row1->addWidget(run_, 2);
    row1->addWidget(new QLabel(tr("Compare with"), this));
    row1->addWidget(compare_, 2);
    row1->addWidget(flip_);

    correct_ = new QComboBox(this);
    correct_->setObjectName(QStringLiteral("correctCombo"));
    correct_->addItem(tr("all answers"), static_cast<int>(CorrectFilter::Any));
    correct_->addItem(tr("correct"), static_cast<int>(CorrectFilter::Correct));
    correct_->addItem(tr("wrong"), static_cast<int>(CorrectFilter::Wrong));
    selection_ = new QComboBox(this);
    selection_->setObjectName(QStringLiteral("selectionCombo"));
    selection_->setToolTip(tr("Only the items of a stored selection of this run"));
    selection_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    selection_->setMinimumContentsLength(14);
    search_ = new QLineEdit(this);
    search_->setObjectName(QStringLiteral("searchEdit"));
    search_->setPlaceholderText(tr("search id or question"));
    search_->setClearButtonEnabled(true);
    search_->setToolTip(tr("Case-insensitive text in the item id or the question (not the exemplars); reads every prompt"));
    pMin_ = new QDoubleSpinBox(this);
    pMax_ = new QDoubleSpinBox(this);
    for (QDoubleSpinBox* s : {pMin_, pMax_}) {
        s->setRange(0.0, 1.0);
        s->setDecimals(3);
        s->setSingleStep(0.01);
        s->setToolTip(tr("p(correct) range, both ends included (or drag the edges on the histogram)"));
    }
    pMin_->setObjectName(QStringLiteral("pMinSpin"));
    pMax_->setObjectName(QStringLiteral("pMaxSpin"));
    pMax_->setValue(1.0);
    selectionName_ = new QLineEdit(this);
    selectionName_->setObjectName(QStringLiteral("selectionNameEdit"));
    selectionName_->setPlaceholderText(tr("new selection name"));
    selectionName_->setMaximumWidth(180);
    makeSelection_ = new QPushButton(tr("Make selection"), this);
    makeSelection_->setObjectName(QStringLiteral("makeSelectionButton"));
    makeSelection_->setToolTip(tr("Store the filtered rows, in this order, as a named selection of the run "
                                  "(as `prominence-cli select --filter` does), to attribute a hand-curated set"));
    row2->addWidget(new QLabel(tr("Show"), this));
    row2->addWidget(correct_);
    row2->addWidget(new QLabel(tr("p(correct)"), this));
    row2->addWidget(pMin_);
    row2->addWidget(new QLabel(QStringLiteral("–"), this));
    row2->addWidget(pMax_);
    row2->addWidget(new QLabel(tr("In"), this));
    row2->addWidget(selection_, 1);
    row2->addWidget(search_, 2);
    row2->addSpacing(12);
    row2->addWidget(selectionName_);
    row2->addWidget(makeSelection_);

    auto* split = new QSplitter(Qt::Horizontal, this);
    auto* left = new QWidget(split);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    histogram_ = new RangeHistogram(left);
    histogram_->setObjectName(QStringLiteral("pHistogram"));
    histogram_->setFixedHeight(150);
    table_ = new QTableView(left);
    table_->setObjectName(QStringLiteral("itemTable"));
    table_->setModel(model_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setWordWrap(false);
    table_->setTextElideMode(Qt::ElideRight);
    table_->setAlternatingRowColors(true);
    table_->verticalHeader()->hide();
    // Fixed row heights: the view never measures rows, so a million of them cost nothing to lay out.
    table_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
    QHeaderView* header = table_->horizontalHeader();
    header->setSectionsClickable(true);
    header->setSortIndicatorShown(true);
    header->setSortIndicator(ItemTableModel::ColIndex, Qt::AscendingOrder);
    header->setHighlightSections(false);
    header->setStretchLastSection(false);
    const std::vector<std::pair<int, int>> widths = {
        {ItemTableModel::ColIndex, 56},     {ItemTableModel::ColId, 96},        {ItemTableModel::ColQuestion, 360},
        {ItemTableModel::ColGold, 80},      {ItemTableModel::ColPred, 80},      {ItemTableModel::ColPCorrect, 84},
        {ItemTableModel::ColMargin, 70},    {ItemTableModel::ColCorrect, 58},   {ItemTableModel::ColSelections, 120},
        {ItemTableModel::ColComparePCorrect, 104}, {ItemTableModel::ColDelta, 70}, {ItemTableModel::ColCue, 60},
        {ItemTableModel::ColAmbiguous, 76}, {ItemTableModel::ColFollowsCue, 80}};
    for (const auto& [col, w] : widths) table_->setColumnWidth(col, w);
    // The numbers a researcher scans first come first; the question, which elides anyway, after them.
    const int order[] = {ItemTableModel::ColIndex,    ItemTableModel::ColId,        ItemTableModel::ColCorrect,
                         ItemTableModel::ColPCorrect, ItemTableModel::ColComparePCorrect, ItemTableModel::ColDelta,
                         ItemTableModel::ColMargin,   ItemTableModel::ColGold,      ItemTableModel::ColPred,
                         ItemTableModel::ColCue,      ItemTableModel::ColAmbiguous, ItemTableModel::ColFollowsCue,
                         ItemTableModel::ColQuestion, ItemTableModel::ColSelections};
    for (int visual = 0; visual < static_cast<int>(std::size(order)); ++visual)
        header->moveSection(header->visualIndex(order[visual]), visual);
    auto* bars = new ProbabilityDelegate(table_);
    table_->setItemDelegateForColumn(ItemTableModel::ColPCorrect, bars);
    table_->setItemDelegateForColumn(ItemTableModel::ColComparePCorrect, bars);
    leftLayout->addWidget(histogram_);
    leftLayout->addWidget(table_, 1);
    detailView_ = new QTextBrowser(split);
    detailView_->setObjectName(QStringLiteral("itemDetail"));
    detailView_->setOpenLinks(false);
    detailView_->setHtml(tr("<p style='color:#666'>Select a row to see the exact prompt, the options with their "
                            "probabilities and, for loglik scoring, the numbers behind acc and acc_norm.</p>"));
    split->addWidget(left);
    split->addWidget(detailView_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({900, 420});
    layout->addWidget(split, 1);
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("browserStatus"));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(status_);

    connect(header, &QHeaderView::sectionClicked, this, [this](int section) {
        const std::optional<ItemColumn> c = ItemTableModel::sortColumnOf(section);
        const workspace::ItemSort now = model_->sortOrder();
        if (!c || ((*c == ItemColumn::ComparePCorrect || *c == ItemColumn::DeltaPCorrect) && !filter().compareRun)) {
            table_->horizontalHeader()->setSortIndicator(ItemTableModel::columnOf(now.column),
                                                          now.ascending ? Qt::AscendingOrder : Qt::DescendingOrder);
            statusNote_ = c ? tr("Pick a compare run to sort by its p(correct).")
                            : tr("The lab's planted facts come from the benchmark file, not the workspace: not sortable.");
            updateStatus();
            return;
        }
        // A new column sorts the way researchers look first: numbers high to low, text A to Z.
        const bool numeric = *c != ItemColumn::Index && *c != ItemColumn::Id && *c != ItemColumn::Question;
        setSort(*c, now.column == *c ? !now.ascending : !numeric);
    });
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid()) selectRow(current.row());
            });
    connect(detailView_, &QTextBrowser::anchorClicked, this, [this](const QUrl& url) {
        if (url.toString() == QLatin1String("toggle:exemplars")) setExemplarsShown(!exemplarsShown_);
    });
    connect(histogram_, &RangeHistogram::rangeChanged, this, [this](double lo, double hi, bool final) {
        const QSignalBlocker a(pMin_), b(pMax_);
        pMin_->setValue(lo);
        pMax_->setValue(hi);
        if (final) scheduleFilter();
    });
    for (QDoubleSpinBox* s : {pMin_, pMax_})
        connect(s, qOverload<double>(&QDoubleSpinBox::valueChanged), this, [this, s] {
            // The edge not being edited gives way, so the range never turns empty.
            if (pMin_->value() > pMax_->value()) {
                QDoubleSpinBox* other = s == pMin_ ? pMax_ : pMin_;
                const QSignalBlocker b(other);
                other->setValue(s->value());
            }
            histogram_->setRange(pMin_->value(), pMax_->value());
            scheduleFilter();
        });
    connect(correct_, qOverload<int>(&QComboBox::currentIndexChanged), this, &ExampleBrowser::scheduleFilter);
    connect(selection_, qOverload<int>(&QComboBox::currentIndexChanged), this, &ExampleBrowser::scheduleFilter);
    connect(flip_, qOverload<int>(&QComboBox::currentIndexChanged), this, &ExampleBrowser::scheduleFilter);
    connect(search_, &QLineEdit::textChanged, this, &ExampleBrowser::scheduleFilter);
    connect(compare_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        const bool has = compare_->currentData().toLongLong() > 0;
        flip_->setEnabled(has);
        if (!has) {
            const QSignalBlocker b(flip_);
            flip_->setCurrentIndex(0);
        }
        countFlips();
        updateColumns();
        applyFilter();
    });
    connect(benchmark_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        // The first eval run of the benchmark picked.
        const qint64 bench = benchmark_->currentData().toLongLong();
        for (const workspace::RunRecord& r : window_->snapshot().runs)
            if (r.kind == "eval" && r.benchmarkId && *r.benchmarkId == bench) {
                if (r.id != runId_) setRun(r.id);
                return;
            }
    });
    connect(run_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        const qint64 id = run_->currentData().toLongLong();
        if (id > 0 && id != runId_) setRun(id);
    });
    connect(makeSelection_, &QPushButton::clicked, this, [this] { makeSelection(selectionName_->text()); });
    connect(selectionName_, &QLineEdit::returnPressed, this, [this] { makeSelection(selectionName_->text()); });
}

// ---- pickers ---------------------------------------------------------------------------------

void ExampleBrowser::fillPickers() {
    const StudySnapshot& snap = window_->snapshot();
    const workspace::RunRecord* run = snap.run(runId_);
    const qint64 bench = run && run->benchmarkId ? *run->benchmarkId : 0;
    {
        const QSignalBlocker b(benchmark_);
        benchmark_->clear();
        for (const workspace::BenchmarkRecord& br : snap.benchmarks) {
            const bool hasEval = std::any_of(snap.runs.begin(), snap.runs.end(), [&](const workspace::RunRecord& r) {
                return r.kind == "eval" && r.benchmarkId && *r.benchmarkId == br.id;
            });
            if (!hasEval) continue;
            benchmark_->addItem(QStringLiteral("%1 (#%2)").arg(qs(br.name.empty() ? br.path : br.name)).arg(br.id),
                                static_cast<qlonglong>(br.id));
            if (br.id == bench) benchmark_->setCurrentIndex(benchmark_->count() - 1);
        }
    }
    {
        const QSignalBlocker b(run_);
        run_->clear();
        for (const workspace::RunRecord& r : snap.runs) {
            if (r.kind != "eval" || (r.benchmarkId ? *r.benchmarkId : 0) != bench) continue;
            run_->addItem(runLabel(r), static_cast<qlonglong>(r.id));
            if (r.id == runId_) run_->setCurrentIndex(run_->count() - 1);
        }
        if (run_->findData(static_cast<qlonglong>(runId_)) < 0) {
            run_->addItem(tr("#%1").arg(runId_), static_cast<qlonglong>(runId_));
            run_->setCurrentIndex(run_->count() - 1);
        }
    }
    fillComparePicker();
}

void ExampleBrowser::fillComparePicker() {
    const StudySnapshot& snap = window_->snapshot();
    const workspace::RunRecord* run = snap.run(runId_);
    const qint64 bench = run && run->benchmarkId ? *run->benchmarkId : 0;
    const qint64 current = compare_->currentData().toLongLong();
    const QSignalBlocker b(compare_);
    compare_->clear();
    compare_->addItem(tr("(no second run)"), qlonglong{0});
    for (const workspace::RunRecord& r : snap.runs) {
        if (r.kind != "eval" || r.id == runId_ || bench == 0 || !r.benchmarkId || *r.benchmarkId != bench) continue;
        compare_->addItem(runLabel(r), static_cast<qlonglong>(r.id));
        if (r.id == current) compare_->setCurrentIndex(compare_->count() - 1);
    }
    flip_->setEnabled(compare_->currentData().toLongLong() > 0);
}

std::map<qint64, QString> ExampleBrowser::selectionNames() const {
    std::map<qint64, QString> names = madeSelections_;
    for (const SelectionInfo& s : window_->snapshot().selections)
        if (s.runId == runId_) names[s.id] = qs(s.name);
    return names;
}

void ExampleBrowser::fillSelectionPicker() {
    const qint64 current = selection_->currentData().toLongLong();
    const QSignalBlocker b(selection_);
    selection_->clear();
    selection_->addItem(tr("any selection or none"), qlonglong{0});
    for (const auto& [id, name] : selectionNames()) {
        selection_->addItem(QStringLiteral("%1 (#%2)").arg(name).arg(id), static_cast<qlonglong>(id));
        if (id == current) selection_->setCurrentIndex(selection_->count() - 1);
    }
}

// ---- source and query ------------------------------------------------------------------------

void ExampleBrowser::maybeReady() {
    if (loaded_ || !firstShown_ || sourcePending_) return;
    loaded_ = true;
    Q_EMIT ready();
}

// The rows are queried at once; the run's size and the lab's planted facts (a read of the benchmark
// file) arrive beside them on the other io thread and fill their columns when they come.
void ExampleBrowser::loadSource() {
    sourcePending_ = true;
    const std::uint64_t generation = ++sourceGeneration_;
    fillSelectionPicker();
    model_->setSource(window_->workspacePath(), runId_, selectionNames(), nullptr);
    updateColumns();
    applyFilter();
    struct Out {
        std::shared_ptr<LabFacts> lab;
        std::int64_t total = 0;
        std::string labError;
    };
    auto out = std::make_shared<Out>();
    JobSpec spec;
    spec.title = tr("Read eval run %1").arg(runId_);
    spec.kind = QStringLiteral("read");
    spec.io = true;
    spec.visible = false;
    spec.work = [path = window_->workspacePath().toStdString(), id = runId_, out](Progress&) {
        workspace::Workspace ws = workspace::Workspace::open(path);
        workspace::ItemQuery q(ws, id, workspace::ReadScope::Any);
        out->total = q.total();
        const workspace::RunRecord run = ws.run(id);
        if (run.benchmarkId) {
            try {
                out->lab = readLabFacts(ws.benchmark(*run.benchmarkId).path);
            } catch (const std::exception& e) {
                out->labError = e.what();
            }
        }
        return nlohmann::json::object();
    };
    QPointer<ExampleBrowser> self(this);
    window_->jobs()->start(
        std::move(spec),
        [self, out, generation](const nlohmann::json&) {
            if (!self || generation != self->sourceGeneration_) return;
            self->sourcePending_ = false;
            self->total_ = out->total;
            if (!out->labError.empty()) self->statusNote_ = tr("Planted facts not read: %1").arg(qs(out->labError));
            self->model_->setLab(out->lab);
            self->updateColumns();
            self->updateStatus();
            self->maybeReady();
        },
        [self, generation](const QString& error) {
            if (!self || generation != self->sourceGeneration_) return;
            self->sourcePending_ = false;
            self->statusNote_ = error;
            self->updateStatus();
            self->firstShown_ = true;
            self->maybeReady();
            Q_EMIT self->rowsReady();
        });
}

workspace::ItemFilter ExampleBrowser::filter() const {
    workspace::ItemFilter f;
    f.correct = static_cast<CorrectFilter>(correct_->currentData().toInt());
    f.pMin = pMin_->value();
    f.pMax = pMax_->value();
    if (const qint64 s = selection_->currentData().toLongLong(); s > 0) f.selectionId = s;
    f.text = search_->text().toStdString();
    if (const qint64 c = compare_->currentData().toLongLong(); c > 0) {
        f.compareRun = c;
        f.flip = static_cast<FlipFilter>(flip_->currentData().toInt());
    }
    return f;
}

workspace::ItemSort ExampleBrowser::sortOrder() const { return model_->sortOrder(); }

void ExampleBrowser::scheduleFilter() { debounce_->start(); }

void ExampleBrowser::applyFilter() {
    debounce_->stop();
    workspace::ItemSort sort = model_->sortOrder();
    const workspace::ItemFilter f = filter();
    // A compare column sort without a compare run falls back to the index.
    if (!f.compareRun && (sort.column == ItemColumn::ComparePCorrect || sort.column == ItemColumn::DeltaPCorrect)) {
        sort = {};
        table_->horizontalHeader()->setSortIndicator(ItemTableModel::ColIndex, Qt::AscendingOrder);
    }
    statusNote_.clear();
    status_->setText(tr("Querying…"));
    model_->setQuery(f, sort);
}

void ExampleBrowser::onRowsReady() {
    histogram_->setCounts(model_->histogram().correct, model_->histogram().wrong);
    histogram_->setRange(model_->filter().pMin, model_->filter().pMax);
    const workspace::ItemSort s = model_->sortOrder();
    table_->horizontalHeader()->setSortIndicator(ItemTableModel::columnOf(s.column),
                                                  s.ascending ? Qt::AscendingOrder : Qt::DescendingOrder);
    // Keep the item in the detail pane selected when it is still among the rows.
    if (selected_) {
        const auto& idx = model_->indices();
        const auto it = std::find(idx.begin(), idx.end(), *selected_);
        if (it != idx.end()) {
            const int row = static_cast<int>(it - idx.begin());
            const QSignalBlocker b(table_->selectionModel());
            table_->selectionModel()->setCurrentIndex(model_->index(row, 0),
                                                      QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
            table_->scrollTo(model_->index(row, 0));
        }
    }
    makeSelection_->setText(tr("Make selection of %1 rows").arg(model_->rowCount()));
    updateStatus();
    if (!loaded_) {
        if (model_->rowCount() == 0) {
            firstShown_ = true;
            maybeReady();
        } else {
            model_->fetchRows(0, 0);
        }
    }
    Q_EMIT rowsReady();
}

void ExampleBrowser::updateColumns() {
    const bool compare = compare_->currentData().toLongLong() > 0;
    table_->setColumnHidden(ItemTableModel::ColComparePCorrect, !compare);
    table_->setColumnHidden(ItemTableModel::ColDelta, !compare);
    for (int c : {ItemTableModel::ColCue, ItemTableModel::ColAmbiguous, ItemTableModel::ColFollowsCue})
        table_->setColumnHidden(c, !model_->hasLab());
}

void ExampleBrowser::countFlips() {
    flips_[0] = flips_[1] = -1;
    updateFlipLabels();
    const qint64 other = compare_->currentData().toLongLong();
    if (other <= 0) return;
    auto out = std::make_shared<std::pair<std::int64_t, std::int64_t>>();
    JobSpec spec;
    spec.title = tr("Count flips between runs %1 and %2").arg(runId_).arg(other);
    spec.kind = QStringLiteral("read");
    spec.io = true;
    spec.visible = false;
    spec.work = [path = window_->workspacePath().toStdString(), id = runId_, other, out](Progress& progress) {
        workspace::Workspace ws = workspace::Workspace::open(path);
        workspace::ItemQuery q(ws, id, workspace::ReadScope::Any);
        workspace::ItemFilter f;
        f.compareRun = other;
        f.flip = FlipFilter::RightToWrong;
        out->first = q.count(f, progress);
        f.flip = FlipFilter::WrongToRight;
        out->second = q.count(f, progress);
        return nlohmann::json::object();
    };
    QPointer<ExampleBrowser> self(this);
    window_->jobs()->start(std::move(spec), [self, out, other](const nlohmann::json&) {
        if (!self || self->compare_->currentData().toLongLong() != other) return;
        self->flips_[0] = out->first;
        self->flips_[1] = out->second;
        self->updateFlipLabels();
        self->updateStatus();
    });
}

void ExampleBrowser::updateFlipLabels() {
    auto label = [](const QString& text, std::int64_t n) { return n < 0 ? text : QStringLiteral("%1 (%2)").arg(text).arg(n); };
    flip_->setItemText(1, label(tr("right here → wrong there"), flips_[0]));
    flip_->setItemText(2, label(tr("wrong here → right there"), flips_[1]));
    flip_->setItemText(3, label(tr("either flip"), flips_[0] < 0 ? -1 : flips_[0] + flips_[1]));
}

void ExampleBrowser::updateStatus() {
    QString text;
    if (model_->busy()) {
        text = tr("Querying…");
    } else {
        const int n = model_->rowCount();
        std::int64_t correct = 0;
        for (std::int64_t c : model_->histogram().correct) correct += c;
        text = tr("%1 of %2 items").arg(n).arg(total_ < 0 ? QStringLiteral("?") : QString::number(total_));
        if (model_->histogram().total() > 0 && !model_->filter().restrictsP())
            text += tr(" · accuracy of these %1").arg(static_cast<double>(correct) / static_cast<double>(model_->histogram().total()), 0, 'f', 3);
        text += tr(" · sorted by %1 %2 · query %3 ms")
                    .arg(qs(workspace::columnName(model_->sortOrder().column)))
                    .arg(model_->sortOrder().ascending ? tr("ascending") : tr("descending"))
                    .arg(model_->lastQueryMs(), 0, 'f', 0);
        if (flips_[0] >= 0)
            text += tr(" · McNemar's discordant pairs against run %1: %2 right here → wrong there, %3 wrong → right")
                        .arg(compare_->currentData().toLongLong())
                        .arg(flips_[0])
                        .arg(flips_[1]);
    }
    if (!statusNote_.isEmpty()) text += QStringLiteral(" · ") + statusNote_;
    status_->setText(text);
}

QString ExampleBrowser::statusText() const { return status_->text(); }

bool ExampleBrowser::busy() const { return sourcePending_ || model_->busy() || detailPending_ || debounce_->isActive(); }

// ---- setters ---------------------------------------------------------------------------------

void ExampleBrowser::setRun(qint64 evalRunId) {
    runId_ = evalRunId;
    selected_.reset();
    detail_.reset();
    {
        const QSignalBlocker b(selection_);
        selection_->setCurrentIndex(0);
    }
    fillPickers();
    updateColumns();
    countFlips();
    loadSource();
}

void ExampleBrowser::setCorrectFilter(CorrectFilter f) {
    const QSignalBlocker b(correct_);
    correct_->setCurrentIndex(correct_->findData(static_cast<int>(f)));
    applyFilter();
}

void ExampleBrowser::setPRange(double lo, double hi) {
    {
        const QSignalBlocker a(pMin_), b(pMax_);
        pMin_->setValue(lo);
        pMax_->setValue(hi);
    }
    histogram_->setRange(lo, hi);
    applyFilter();
}

void ExampleBrowser::setSelectionFilter(std::optional<qint64> selectionId) {
    const QSignalBlocker b(selection_);
    int i = selectionId ? selection_->findData(static_cast<qlonglong>(*selectionId)) : 0;
    if (i < 0) {
        fillSelectionPicker();
        i = selection_->findData(static_cast<qlonglong>(*selectionId));
    }
    selection_->setCurrentIndex(std::max(i, 0));
    applyFilter();
}

void ExampleBrowser::setTextFilter(const QString& text) {
    const QSignalBlocker b(search_);
    search_->setText(text);
    applyFilter();
}

void ExampleBrowser::setCompareRun(std::optional<qint64> runId) {
    {
        const QSignalBlocker b(compare_);
        fillComparePicker();
        const int i = runId ? compare_->findData(static_cast<qlonglong>(*runId)) : 0;
        if (i < 0) {
            // Not of this benchmark in the snapshot (or not yet listed): offered all the same, the
            // query matches items by index.
            compare_->addItem(tr("#%1").arg(*runId), static_cast<qlonglong>(*runId));
            compare_->setCurrentIndex(compare_->count() - 1);
        } else {
            compare_->setCurrentIndex(i);
        }
    }
    const bool has = runId.has_value();
    flip_->setEnabled(has);
    if (!has) {
        const QSignalBlocker b(flip_);
        flip_->setCurrentIndex(0);
    }
    countFlips();
    updateColumns();
    applyFilter();
}

void ExampleBrowser::setFlipFilter(FlipFilter f) {
    const QSignalBlocker b(flip_);
    flip_->setCurrentIndex(flip_->findData(static_cast<int>(f)));
    applyFilter();
}

void ExampleBrowser::setSort(ItemColumn column, bool ascending) {
    table_->horizontalHeader()->setSortIndicator(ItemTableModel::columnOf(column),
                                                  ascending ? Qt::AscendingOrder : Qt::DescendingOrder);
    statusNote_.clear();
    status_->setText(tr("Querying…"));
    model_->setQuery(filter(), {column, ascending});
}

int ExampleBrowser::filteredCount() const { return model_->rowCount(); }

const std::vector<std::int64_t>& ExampleBrowser::filteredItems() const { return model_->indices(); }

// ---- detail pane -----------------------------------------------------------------------------

void ExampleBrowser::selectRow(int row) {
    const std::int64_t item = model_->itemAt(row);
    if (item < 0) return;
    if (table_->selectionModel()->currentIndex().row() != row) {
        const QSignalBlocker b(table_->selectionModel());
        table_->selectionModel()->setCurrentIndex(model_->index(row, 0),
                                                  QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        table_->scrollTo(model_->index(row, 0));
    }
    selected_ = item;
    loadDetail();
}

void ExampleBrowser::loadDetail() {
    if (!selected_) return;
    detailPending_ = true;
    auto out = std::make_shared<Detail>();
    out->index = *selected_;
    out->compareRun = model_->filter().compareRun;
    std::shared_ptr<const LabFacts> lab = model_->lab();
    JobSpec spec;
    spec.title = tr("Read item %1 of run %2").arg(*selected_).arg(runId_);
    spec.kind = QStringLiteral("read");
    spec.io = true;
    spec.visible = false;
    spec.work = [path = window_->workspacePath().toStdString(), id = runId_, out, lab](Progress&) {
        workspace::Workspace ws = workspace::Workspace::open(path);
        workspace::ItemQuery q(ws, id, workspace::ReadScope::Any);
        out->item = q.items({out->index}).front();
        const workspace::RunRecord run = ws.run(id);
        out->scoring = out->item.extra.value("scoring", run.params.value("scoring", std::string("loglik")));
        out->shots = run.params.value("shots", 0);
        if (out->compareRun) {
            workspace::ItemQuery other(ws, *out->compareRun, workspace::ReadScope::Any);
            try {
                out->compare = other.items({out->index}).front();
            } catch (const InvalidArgument&) {
                out->compare.reset();  // the compare run lacks this item
            }
        }
        if (lab)
            if (const auto it = lab->find(out->item.itemId); it != lab->end()) out->lab = it->second;
        return nlohmann::json::object();
    };
    QPointer<ExampleBrowser> self(this);
    const std::int64_t wanted = *selected_;
    window_->jobs()->start(
        std::move(spec),
        [self, out, wanted](const nlohmann::json&) {
            if (!self || self->selected_ != wanted) return;
            self->detailPending_ = false;
            self->detail_ = out;
            self->renderDetail();
            Q_EMIT self->detailReady();
        },
        [self, wanted](const QString& error) {
            if (!self || self->selected_ != wanted) return;
            self->detailPending_ = false;
            self->detailHtml_ = QStringLiteral("<p style='color:#c0392b'>%1</p>").arg(error.toHtmlEscaped());
            self->detailView_->setHtml(self->detailHtml_);
            Q_EMIT self->detailReady();
        });
}

void ExampleBrowser::setExemplarsShown(bool shown) {
    exemplarsShown_ = shown;
    if (detail_) renderDetail();
}

void ExampleBrowser::renderDetail() {
    const Detail& d = *detail_;
    const workspace::ItemResult& it = d.item;
    const bool loglik = d.scoring == "loglik";
    QString h;
    h += QStringLiteral("<h3 style='margin-bottom:2px'>Item %1 <span style='font-weight:normal;color:#555'>· %2</span></h3>")
             .arg(it.index)
             .arg(esc(it.itemId));
    h += QStringLiteral("<p style='margin-top:0'>%1 · p(correct) <b>%2</b> · margin %3 · %4 scoring</p>")
             .arg(it.correct ? QStringLiteral("<span style='color:#1a7f37'><b>✓ correct</b></span>")
                             : QStringLiteral("<span style='color:#c0392b'><b>✗ wrong</b></span>"))
             .arg(num(it.pCorrect))
             .arg(num(it.margin))
             .arg(qs(d.scoring));

    // The prompt exactly as the model saw it; what precedes the question is folded.
    const workspace::PromptParts parts = workspace::splitPrompt(it.prompt);
    h += QStringLiteral("<p style='margin-bottom:2px'><b>Prompt</b>");
    if (!parts.context.empty()) {
        const QString what = d.shots > 0 ? tr("%1 exemplar(s) and context, %2 block(s)").arg(d.shots).arg(parts.context.size())
                                         : tr("%1 context block(s)").arg(parts.context.size());
        h += QStringLiteral(" · <a href='toggle:exemplars'>%1 %2</a>")
                 .arg(exemplarsShown_ ? tr("▾ hide") : tr("▸ show"))
                 .arg(what);
    }
    h += QStringLiteral("</p><pre style='white-space:pre-wrap; background:#f6f6f6; padding:4px'>");
    if (exemplarsShown_ && !parts.context.empty()) {
        std::string context;
        for (const std::string& c : parts.context) context += c + "\n\n";
        h += QStringLiteral("<span style='color:#777'>%1</span>").arg(esc(context));
    }
    h += esc(parts.question) + QStringLiteral("</pre>");

    // Options: probability bars here (and there), gold and predictions marked.
    const std::int64_t predNorm = it.extra.value("pred_norm", std::int64_t{-1});
    const std::int64_t predBytes = it.extra.value("pred_bytes", std::int64_t{-1});
    std::vector<double> perChar, perByte;
    std::vector<std::size_t> chars, bytes;
    for (std::size_t o = 0; o < it.continuations.size(); ++o) {
        // lm-eval divides by the choice's length without the delimiter the continuation starts with.
        std::string choice = it.continuations[o];
        if (!choice.empty() && choice.front() == ' ') choice.erase(0, 1);
        chars.push_back(std::max<std::size_t>(1, data::utf8Length(choice)));
        bytes.push_back(std::max<std::size_t>(1, choice.size()));
        const double ll = o < it.scores.size() ? it.scores[o] : 0.0;
        perChar.push_back(ll / static_cast<double>(chars.back()));
        perByte.push_back(ll / static_cast<double>(bytes.back()));
    }
    // One row per option: its letter, the bars (here, and there), the text with its marks; narrow
    // enough for a side pane. The numbers behind the prediction follow in a table of their own.
    h += QStringLiteral("<table cellspacing='0' cellpadding='2' style='margin-top:4px'>");
    const int span = d.compareRun ? 5 : 3;
    for (std::size_t o = 0; o < it.probs.size(); ++o) {
        const auto oi = static_cast<std::int64_t>(o);
        const bool gold = oi == it.gold;
        const QString shade = gold ? QStringLiteral(" style='background:#e8f5ec'") : QString();
        h += QStringLiteral("<tr%1>").arg(shade);
        h += QStringLiteral("<td><b>%1</b></td>").arg(letter(oi));
        h += QStringLiteral("<td align='right' style='white-space:nowrap'>%1</td><td>%2</td>")
                 .arg(num(it.probs[o]))
                 .arg(bar(it.probs[o], gold ? "#1b9e77" : "#7570b3", 90));
        if (d.compareRun) {
            if (d.compare && o < d.compare->probs.size())
                h += QStringLiteral("<td align='right' style='white-space:nowrap; color:#a04000'>%1</td><td>%2</td>")
                         .arg(num(d.compare->probs[o]))
                         .arg(bar(d.compare->probs[o], "#d95f02", 70));
            else
                h += QStringLiteral("<td></td><td></td>");
        }
        h += QStringLiteral("</tr>");
        const QString text = o < it.continuations.size() ? qs(it.continuations[o]).trimmed() : QString();
        QStringList marks;
        if (gold) marks << tr("<b>gold</b>");
        if (oi == it.pred) marks << (loglik ? tr("<b>prediction</b> (acc)") : tr("<b>prediction</b>"));
        if (loglik && oi == predNorm) marks << tr("acc_norm");
        if (d.compare && oi == d.compare->pred) marks << tr("prediction there");
        if (d.lab && d.lab->cue == oi) marks << tr("cued");
        const QString shownText = text == letter(oi) ? QString() : text.toHtmlEscaped();
        if (!shownText.isEmpty() || !marks.isEmpty())
            h += QStringLiteral("<tr%1><td></td><td colspan='%2'>%3%4</td></tr>")
                     .arg(shade)
                     .arg(span - 1)
                     .arg(shownText)
                     .arg(marks.isEmpty() ? QString()
                                          : QStringLiteral(" <span style='color:#555'>— %1</span>").arg(marks.join(QStringLiteral(" · "))));
    }
    h += QStringLiteral("</table>");
    if (d.compareRun)
        h += tr("<p style='color:#555; margin-top:0'>Bars: p here (green: gold), <span style='color:#a04000'>p in run %1</span>.</p>")
                 .arg(*d.compareRun);

    // The scores behind the prediction.
    h += QStringLiteral("<table cellspacing='0' cellpadding='3' style='margin-top:6px'><tr style='background:#eee'><th>option</th>");
    h += loglik ? tr("<th align='right'>log-lik</th><th align='right'>chars</th><th align='right'>ll / char</th>"
                     "<th align='right'>bytes</th><th align='right'>ll / byte</th>")
                : tr("<th align='right'>log p(letter)</th>");
    h += QStringLiteral("</tr>");
    for (std::size_t o = 0; o < it.scores.size(); ++o) {
        const auto oi = static_cast<std::int64_t>(o);
        auto cell = [](const QString& v, bool best) {
            return QStringLiteral("<td align='right'>%1</td>").arg(best ? QStringLiteral("<b>%1</b>").arg(v) : v);
        };
        h += QStringLiteral("<tr><td align='center'>%1</td>").arg(letter(oi));
        h += cell(num(it.scores[o]), oi == it.pred);
        if (loglik)
            h += cell(QString::number(chars[o]), false) + cell(num(perChar[o], 4), oi == predNorm) +
                 cell(QString::number(bytes[o]), false) + cell(num(perByte[o], 4), oi == predBytes);
        h += QStringLiteral("</tr>");
    }
    h += QStringLiteral("</table>");

    if (loglik) {
        auto verdict = [&](std::int64_t o) {
            return o == it.gold ? tr("%1, right").arg(letter(o)) : tr("%1, wrong").arg(letter(o));
        };
        h += tr("<p><b>acc vs acc_norm.</b> acc picks the highest summed log-likelihood: %1. acc_norm divides each by "
                "its choice's length in characters (without the leading space) and picks the highest: %2.")
                 .arg(verdict(it.pred))
                 .arg(predNorm >= 0 ? verdict(predNorm) : tr("not stored"));
        if (predBytes >= 0) h += tr(" By bytes instead (acc_bytes): %1.").arg(verdict(predBytes));
        if (predNorm >= 0 && predNorm != it.pred)
            h += tr(" They differ: the longer choice collects more negative log-likelihood in total but less per character.");
        h += QStringLiteral("</p>");
    } else {
        h += tr("<p style='color:#555'>Letter scoring: each option's score is the log-probability of its letter as the "
                "next token; p is their softmax over the options.</p>");
    }
    if (d.compareRun) {
        if (d.compare) {
            const double delta = d.compare->pCorrect - it.pCorrect;
            h += tr("<p><b>In run %1:</b> %2 · p(correct) %3 (%4%5) · prediction %6%7</p>")
                     .arg(*d.compareRun)
                     .arg(d.compare->correct ? tr("<span style='color:#1a7f37'>✓ correct</span>") : tr("<span style='color:#c0392b'>✗ wrong</span>"))
                     .arg(num(d.compare->pCorrect))
                     .arg(delta > 0 ? QStringLiteral("+") : QString())
                     .arg(num(delta))
                     .arg(letter(d.compare->pred))
                     .arg(d.compare->correct != it.correct ? tr(" · <b>flipped</b> (%1)").arg(it.correct ? tr("right → wrong") : tr("wrong → right"))
                                                           : QString());
        } else {
            h += tr("<p style='color:#555'>Run %1 has no item %2.</p>").arg(*d.compareRun).arg(it.index);
        }
    }
    if (d.lab) {
        h += tr("<p><b>Planted facts</b> (Shortcut Lab, %1): ").arg(qs(d.lab->task).toHtmlEscaped());
        if (d.lab->cue >= 0)
            h += tr("the tags point to option %1 (%2); the prediction %3 the cue")
                     .arg(letter(d.lab->cue))
                     .arg(d.lab->cue == it.gold ? tr("the gold") : tr("not the gold"))
                     .arg(it.pred == d.lab->cue ? tr("follows") : tr("does not follow"));
        else
            h += tr("no tags");
        h += d.lab->ambiguous ? tr("; ambiguous: two options fit the question, only the tags say which.") : tr("; not ambiguous.");
        h += QStringLiteral("</p>");
    }
    detailHtml_ = h;
    const int scroll = detailView_->verticalScrollBar() ? detailView_->verticalScrollBar()->value() : 0;
    detailView_->setHtml(h);
    detailView_->verticalScrollBar()->setValue(scroll);
}

// ---- selection from the filter ---------------------------------------------------------------

int ExampleBrowser::makeSelection(const QString& name) {
    study::SelectParams p;
    p.workspacePath = window_->workspacePath().toStdString();
    p.runId = runId_;
    p.name = name.trimmed().toStdString();
    p.filter = model_->filter();
    p.sort = model_->sortOrder();
    auto refuse = [this](const QString& why) {
        statusNote_ = why;
        updateStatus();
        return 0;
    };
    try {
        p.validate();
    } catch (const std::exception& e) {
        return refuse(QString::fromUtf8(e.what()));
    }
    if (model_->busy()) return refuse(tr("The rows are still being queried; make the selection once they are shown."));
    if (model_->rowCount() == 0) return refuse(tr("No rows to store: the filter matches no item."));
    for (const auto& [id, n] : selectionNames())
        if (n.toStdString() == p.name) return refuse(tr("Run %1 already has a selection named '%2'.").arg(runId_).arg(n));
    JobSpec spec;
    spec.title = tr("Make selection '%1' of run %2 (%3 items)").arg(qs(p.name)).arg(runId_).arg(model_->rowCount());
    spec.kind = QStringLiteral("select");
    spec.command = toQStringList(study::commandLine(p));
    spec.workspacePath = window_->workspacePath();
    spec.work = [p](Progress& progress) { return nlohmann::json::parse(study::runSelect(p, progress).summary.dump()); };
    QPointer<ExampleBrowser> self(this);
    return window_->jobs()->start(
        std::move(spec),
        [self](const nlohmann::json& r) {
            if (!self) return;
            const qint64 id = r.at("id").get<qint64>();
            self->madeSelections_[id] = qs(r.at("name").get<std::string>());
            self->fillSelectionPicker();
            self->model_->setSelectionNames(self->selectionNames());
            self->statusNote_ = tr("Stored selection '%1' (#%2) of %3 items.")
                                    .arg(qs(r.at("name").get<std::string>()))
                                    .arg(id)
                                    .arg(r.at("items").get<qint64>());
            self->selectionName_->clear();
            self->updateStatus();
            Q_EMIT self->selectionMade(id);
        },
        [self](const QString& e) {
            if (!self) return;
            self->statusNote_ = e;
            self->updateStatus();
        });
}

}  // namespace prominence::ui
