#include "ui/workspace/item_table_model.h"

#include <QBrush>
#include <QColor>
#include <QElapsedTimer>
#include <QPointer>

#include <algorithm>
#include <cstdlib>

#include "core/workspace/workspace.h"
#include "ui/jobs/job_runner.h"

namespace prominence::ui {

namespace {

const std::vector<std::int64_t>& emptyIndices() {
    static const std::vector<std::int64_t> none;
    return none;
}

QString qs(const std::string& s) { return QString::fromStdString(s); }

QString letter(std::int64_t option) {
    return option >= 0 && option < 26 ? QString(QChar(static_cast<char16_t>(u'A' + option))) : QString::number(option);
}

QString number(double v) { return QString::number(v, 'f', 3); }

}  // namespace

ItemTableModel::ItemTableModel(JobRunner* jobs, QObject* parent) : QAbstractTableModel(parent), jobs_(jobs) {}

void ItemTableModel::setSource(const QString& workspacePath, qint64 runId, std::map<qint64, QString> selectionNames,
                               std::shared_ptr<const LabFacts> lab) {
    beginResetModel();
    if (queryJob_ != 0) jobs_->cancel(queryJob_);
    queryJob_ = 0;
    ++generation_;
    workspacePath_ = workspacePath;
    runId_ = runId;
    selectionNames_ = std::move(selectionNames);
    lab_ = std::move(lab);
    indices_.reset();
    histogram_ = {};
    pages_.clear();
    pending_.clear();
    endResetModel();
}

void ItemTableModel::setSelectionNames(std::map<qint64, QString> names) {
    selectionNames_ = std::move(names);
    if (rowCount() > 0) Q_EMIT dataChanged(index(0, ColSelections), index(rowCount() - 1, ColSelections));
}

void ItemTableModel::setLab(std::shared_ptr<const LabFacts> lab) {
    lab_ = std::move(lab);
    if (rowCount() > 0) Q_EMIT dataChanged(index(0, ColCue), index(rowCount() - 1, ColFollowsCue));
}

void ItemTableModel::setQuery(const workspace::ItemFilter& filter, const workspace::ItemSort& sort) {
    filter_ = filter;
    sort_ = sort;
    if (queryJob_ != 0) jobs_->cancel(queryJob_);
    const std::uint64_t generation = ++generation_;
    struct Out {
        workspace::ItemQueryResult result;
        double ms = 0;
    };
    auto out = std::make_shared<Out>();
    JobSpec spec;
    spec.title = tr("Query items of run %1").arg(runId_);
    spec.kind = QStringLiteral("read");
    spec.io = true;
    spec.visible = false;
    spec.work = [path = workspacePath_.toStdString(), run = runId_, filter, sort, out](Progress& progress) {
        QElapsedTimer t;
        t.start();
        workspace::Workspace ws = workspace::Workspace::open(path);
        workspace::ItemQuery q(ws, run, workspace::ReadScope::Any);
        out->result = q.run(filter, sort, kBins, progress);
        out->ms = static_cast<double>(t.nsecsElapsed()) / 1e6;
        return nlohmann::json::object();
    };
    QPointer<ItemTableModel> self(this);
    queryJob_ = jobs_->start(
        std::move(spec),
        [self, out, generation](const nlohmann::json&) {
            if (!self || generation != self->generation_) return;
            self->beginResetModel();
            self->queryJob_ = 0;
            self->indices_ = std::make_shared<const std::vector<std::int64_t>>(std::move(out->result.indices));
            self->histogram_ = std::move(out->result.histogram);
            self->lastQueryMs_ = out->ms;
            self->lastError_.clear();
            self->pages_.clear();
            self->pending_.clear();
            self->endResetModel();
            Q_EMIT self->queryFinished();
        },
        [self, generation](const QString& error) {
            if (!self || generation != self->generation_) return;
            self->queryJob_ = 0;
            self->lastError_ = error;
            Q_EMIT self->queryFailed(error);
        });
}

const std::vector<std::int64_t>& ItemTableModel::indices() const { return indices_ ? *indices_ : emptyIndices(); }

std::int64_t ItemTableModel::itemAt(int row) const {
    const auto& idx = indices();
    return row >= 0 && row < static_cast<int>(idx.size()) ? idx[static_cast<std::size_t>(row)] : -1;
}

const workspace::ItemRow* ItemTableModel::rowAt(int row) const {
    if (row < 0 || row >= rowCount()) return nullptr;
    const auto it = pages_.find(row / kPageRows);
    if (it == pages_.end()) return nullptr;
    const std::size_t k = static_cast<std::size_t>(row % kPageRows);
    return k < it->second->size() ? &(*it->second)[k] : nullptr;
}

void ItemTableModel::fetchRows(int first, int last) {
    first = std::max(first, 0);
    last = std::min(last, rowCount() - 1);
    for (int p = first / kPageRows; first <= last && p <= last / kPageRows; ++p)
        if (!pages_.count(p)) requestPage(p);
}

void ItemTableModel::requestPage(int page) const {
    if (!indices_ || pending_.count(page)) return;
    pending_.insert(page);
    const std::size_t begin = static_cast<std::size_t>(page) * kPageRows;
    const std::size_t end = std::min(indices_->size(), begin + kPageRows);
    std::vector<std::int64_t> wanted(indices_->begin() + static_cast<std::ptrdiff_t>(begin),
                                     indices_->begin() + static_cast<std::ptrdiff_t>(end));
    auto rows = std::make_shared<Page>();
    JobSpec spec;
    spec.title = tr("Read rows of run %1").arg(runId_);
    spec.kind = QStringLiteral("read");
    spec.io = true;
    spec.visible = false;
    spec.work = [path = workspacePath_.toStdString(), run = runId_, compare = filter_.compareRun, wanted, rows](Progress&) {
        workspace::Workspace ws = workspace::Workspace::open(path);
        workspace::ItemQuery q(ws, run, workspace::ReadScope::Any);
        *rows = q.rows(wanted, compare);
        return nlohmann::json::object();
    };
    QPointer<ItemTableModel> self(const_cast<ItemTableModel*>(this));
    const std::uint64_t generation = generation_;
    jobs_->start(
        std::move(spec), [self, generation, page, rows](const nlohmann::json&) {
            if (self) self->onPage(generation, page, rows);
        },
        [self, generation, page](const QString& error) {
            if (!self || generation != self->generation_) return;
            self->pending_.erase(page);
            self->lastError_ = error;
        });
}

void ItemTableModel::onPage(std::uint64_t generation, int page, std::shared_ptr<Page> rows) {
    if (generation != generation_) return;
    pending_.erase(page);
    pages_[page] = std::move(rows);
    while (static_cast<int>(pages_.size()) > kCachedPages) {
        auto farthest = pages_.begin();
        for (auto it = pages_.begin(); it != pages_.end(); ++it)
            if (std::abs(it->first - page) > std::abs(farthest->first - page)) farthest = it;
        pages_.erase(farthest);
    }
    const int first = page * kPageRows;
    const int last = std::min(rowCount(), first + kPageRows) - 1;
    if (last >= first) {
        Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
        Q_EMIT pageLoaded(first, last);
    }
}

std::optional<workspace::ItemColumn> ItemTableModel::sortColumnOf(int column) {
    using C = workspace::ItemColumn;
    switch (column) {
    case ColIndex: return C::Index;
    case ColId: return C::Id;
    case ColQuestion: return C::Question;
    case ColGold: return C::Gold;
    case ColPred: return C::Pred;
    case ColPCorrect: return C::PCorrect;
    case ColMargin: return C::Margin;
    case ColCorrect: return C::Correct;
    case ColSelections: return C::Selections;
    case ColComparePCorrect: return C::ComparePCorrect;
    case ColDelta: return C::DeltaPCorrect;
    default: return std::nullopt;
    }
}

int ItemTableModel::columnOf(workspace::ItemColumn c) {
    for (int col = 0; col < ColumnCount; ++col)
        if (sortColumnOf(col) == c) return col;
    return ColIndex;
}

int ItemTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(indices().size());
}

int ItemTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString ItemTableModel::optionLabel(const workspace::ItemRow& r, std::int64_t option) const {
    const QString l = letter(option);
    if (option < 0 || option >= static_cast<std::int64_t>(r.options.size())) return l;
    const QString text = qs(r.options[static_cast<std::size_t>(option)]).trimmed();
    // Letter scoring stores the letters themselves; loglik stores each choice's text.
    return text.isEmpty() || text == l ? l : l + QStringLiteral(" · ") + text;
}

const LabFact* ItemTableModel::labFact(const workspace::ItemRow& r) const {
    if (!lab_) return nullptr;
    const auto it = lab_->find(r.itemId);
    return it == lab_->end() ? nullptr : &it->second;
}

QVariant ItemTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const workspace::ItemRow* r = rowAt(index.row());
    if (!r) {
        if (role == Qt::DisplayRole) {
            requestPage(index.row() / kPageRows);
            return index.column() == ColIndex ? QVariant(static_cast<qlonglong>(itemAt(index.row()))) : QVariant(QStringLiteral("…"));
        }
        return {};
    }
    const int col = index.column();
    const LabFact* lab = labFact(*r);
    if (role == Qt::DisplayRole) {
        switch (col) {
        case ColIndex: return static_cast<qlonglong>(r->index);
        case ColId: return qs(r->itemId);
        case ColQuestion: {
            QString q = qs(r->question).simplified();
            return q;
        }
        case ColGold: return optionLabel(*r, r->gold);
        case ColPred: return optionLabel(*r, r->pred);
        case ColPCorrect: return number(r->pCorrect);
        case ColMargin: return number(r->margin);
        case ColCorrect: return r->correct ? QStringLiteral("✓") : QStringLiteral("✗");
        case ColSelections: {
            QStringList names;
            for (workspace::Id id : r->selections) {
                const auto it = selectionNames_.find(id);
                names << (it != selectionNames_.end() ? it->second : QStringLiteral("#%1").arg(id));
            }
            return names.join(QStringLiteral(", "));
        }
        case ColComparePCorrect:
            if (!r->compare) return QString();
            return number(r->compare->pCorrect) + (r->compare->correct ? QStringLiteral(" ✓") : QStringLiteral(" ✗"));
        case ColDelta: {
            if (!r->compare) return QString();
            const double d = r->compare->pCorrect - r->pCorrect;
            return (d > 0 ? QStringLiteral("+") : QString()) + number(d);
        }
        case ColCue: return lab && lab->cue >= 0 ? optionLabel(*r, lab->cue) : QString();
        case ColAmbiguous: return lab ? (lab->ambiguous ? tr("yes") : tr("no")) : QString();
        case ColFollowsCue: return lab && lab->cue >= 0 ? (r->pred == lab->cue ? tr("yes") : tr("no")) : QString();
        default: return {};
        }
    }
    if (role == Qt::UserRole) {  // sortable raw values (the p(correct) bar delegate reads them)
        switch (col) {
        case ColPCorrect: return r->pCorrect;
        case ColMargin: return r->margin;
        case ColComparePCorrect: return r->compare ? QVariant(r->compare->pCorrect) : QVariant();
        case ColDelta: return r->compare ? QVariant(r->compare->pCorrect - r->pCorrect) : QVariant();
        default: return {};
        }
    }
    if (role == Qt::TextAlignmentRole) {
        switch (col) {
        case ColIndex:
        case ColPCorrect:
        case ColMargin:
        case ColComparePCorrect:
        case ColDelta: return static_cast<int>(Qt::AlignRight | Qt::AlignVCenter);
        case ColCorrect:
        case ColCue:
        case ColAmbiguous:
        case ColFollowsCue: return static_cast<int>(Qt::AlignCenter);
        default: return static_cast<int>(Qt::AlignLeft | Qt::AlignVCenter);
        }
    }
    if (role == Qt::ForegroundRole) {
        if (col == ColCorrect) return QBrush(r->correct ? QColor(0x1a, 0x7f, 0x37) : QColor(0xc0, 0x39, 0x2b));
        if (col == ColDelta && r->compare) {
            const double d = r->compare->pCorrect - r->pCorrect;
            if (d != 0) return QBrush(d > 0 ? QColor(0x1a, 0x7f, 0x37) : QColor(0xc0, 0x39, 0x2b));
        }
        if (col == ColComparePCorrect && r->compare && r->compare->correct != r->correct)
            return QBrush(r->compare->correct ? QColor(0x1a, 0x7f, 0x37) : QColor(0xc0, 0x39, 0x2b));
        return {};
    }
    if (role == Qt::ToolTipRole) {
        if (col == ColQuestion) return qs(r->question);
        if (col == ColComparePCorrect && r->compare && r->compare->correct != r->correct)
            return r->correct ? tr("Right here, wrong in the compare run") : tr("Wrong here, right in the compare run");
        if (col == ColCue && lab) return tr("The option the planted tags point to");
        return {};
    }
    return {};
}

QVariant ItemTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case ColIndex: return tr("#");
        case ColId: return tr("id");
        case ColQuestion: return tr("question");
        case ColGold: return tr("gold");
        case ColPred: return tr("prediction");
        case ColPCorrect: return tr("p(correct)");
        case ColMargin: return tr("margin");
        case ColCorrect: return tr("correct");
        case ColSelections: return tr("selections");
        case ColComparePCorrect: return tr("p(correct) there");
        case ColDelta: return tr("Δ p");
        case ColCue: return tr("cue");
        case ColAmbiguous: return tr("ambiguous");
        case ColFollowsCue: return tr("follows cue");
        default: return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case ColIndex: return tr("Item index in the benchmark (0-based)");
        case ColPCorrect: return tr("Probability of the gold option(s)");
        case ColMargin: return tr("p(prediction) − p(runner-up): the model's confidence");
        case ColSelections: return tr("Stored selections of this run that hold the item (sorts by how many)");
        case ColComparePCorrect: return tr("p(correct) of the same item in the compare run (✓/✗: right or wrong there)");
        case ColDelta: return tr("p(correct) in the compare run minus p(correct) here");
        case ColCue: return tr("Shortcut Lab: the option the planted tags point to (from the benchmark file)");
        case ColAmbiguous: return tr("Shortcut Lab: two options belong to the asked category; only the tags give the answer");
        case ColFollowsCue: return tr("Shortcut Lab: the prediction is the cued option");
        default: return sortColumnOf(section) ? tr("Click to sort") : tr("Planted facts are not stored in the workspace: not sortable");
        }
    }
    return {};
}

void ItemTableModel::sort(int column, Qt::SortOrder order) {
    const std::optional<workspace::ItemColumn> c = sortColumnOf(column);
    if (!c) return;
    workspace::ItemSort s{*c, order == Qt::AscendingOrder};
    if ((*c == workspace::ItemColumn::ComparePCorrect || *c == workspace::ItemColumn::DeltaPCorrect) && !filter_.compareRun)
        return;
    if (s == sort_ && indices_) return;
    setQuery(filter_, s);
}

}  // namespace prominence::ui
