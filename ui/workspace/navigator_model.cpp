#include "ui/workspace/navigator_model.h"

#include <QFileInfo>
#include <QIcon>

#include <algorithm>
#include <map>
#include <optional>

namespace prominence::ui {

namespace {

using workspace::RunRecord;
using workspace::RunStatus;

QString qs(const std::string& s) { return QString::fromStdString(s); }

QList<QStandardItem*> row(const QString& name, const QString& status, const QString& key, const ObjectRef& ref,
                          const QString& tooltip = {}) {
    auto* n = new QStandardItem(name);
    n->setData(ref.kind, NavigatorModel::RefKindRole);
    n->setData(ref.id, NavigatorModel::RefIdRole);
    n->setEditable(false);
    n->setToolTip(tooltip.isEmpty() ? name : tooltip);
    auto* s = new QStandardItem(status);
    s->setEditable(false);
    auto* k = new QStandardItem(key);
    k->setEditable(false);
    if (status == QLatin1String("failed") || status == QLatin1String("incomplete")) s->setForeground(QColor(0xb0, 0x20, 0x20));
    else if (status == QLatin1String("running")) s->setForeground(QColor(0x1a, 0x5f, 0xb4));
    else if (status == QLatin1String("cancelled")) s->setForeground(QColor(0x9a, 0x6a, 0x00));
    return {n, s, k};
}

QString runName(const RunRecord& r) {
    QString name = QStringLiteral("#%1 %2").arg(r.id).arg(qs(r.kind));
    if (!r.name.empty()) name += QStringLiteral(" · ") + qs(r.name);
    return name;
}

QString runTooltip(const StudySnapshot& s, const RunRecord& r) {
    QStringList lines;
    lines << QStringLiteral("%1 run %2, %3").arg(qs(r.kind)).arg(r.id).arg(qs(workspace::runStatusName(r.status)));
    if (r.modelId)
        if (const auto* m = s.model(*r.modelId)) lines << QStringLiteral("model: %1").arg(qs(m->path));
    if (r.benchmarkId)
        if (const auto* b = s.benchmark(*r.benchmarkId)) lines << QStringLiteral("benchmark: %1").arg(qs(b->path));
    lines << QStringLiteral("started %1").arg(qs(r.startedAt));
    if (!r.error.empty()) lines << QStringLiteral("error: %1").arg(qs(r.error));
    return lines.join(QLatin1Char('\n'));
}

QList<QStandardItem*> runRow(const StudySnapshot& s, const RunRecord& r) {
    return row(runName(r), qs(workspace::runStatusName(r.status)), qs(runKeyNumber(r)), {QStringLiteral("run"), r.id},
               runTooltip(s, r));
}

}  // namespace

NavigatorModel::NavigatorModel(QObject* parent) : QStandardItemModel(parent) {
    setHorizontalHeaderLabels({tr("Object"), tr("Status"), tr("Key number")});
}

void NavigatorModel::clearSnapshot() {
    removeRows(0, rowCount());
}

void NavigatorModel::setSnapshot(const StudySnapshot& s) {
    clearSnapshot();
    std::map<QString, QStandardItem*> groups;
    auto group = [&](const QString& key, const QString& title) {
        auto* g = new QStandardItem(title);
        g->setEditable(false);
        g->setData(key, GroupRole);
        QFont f = g->font();
        f.setBold(true);
        g->setFont(f);
        auto* blank1 = new QStandardItem;
        auto* blank2 = new QStandardItem;
        blank1->setEditable(false);
        blank2->setEditable(false);
        appendRow({g, blank1, blank2});
        groups[key] = g;
        return g;
    };
    QStandardItem* models = group(QStringLiteral("models"), tr("Models"));
    QStandardItem* benchmarks = group(QStringLiteral("benchmarks"), tr("Benchmarks"));
    QStandardItem* evals = group(QStringLiteral("eval"), tr("Evaluations"));
    QStandardItem* attributions = group(QStringLiteral("attribution"), tr("Attributions"));
    QStandardItem* masks = group(QStringLiteral("masks"), tr("Masks"));
    QStandardItem* finetunes = group(QStringLiteral("finetune"), tr("Fine-tuning"));
    QStandardItem* compares = group(QStringLiteral("compare"), tr("Comparisons"));
    QStandardItem* exports = group(QStringLiteral("exports"), tr("Exports"));
    QStandardItem* reports = group(QStringLiteral("reports"), tr("Reports"));
    QStandardItem* pipelines = group(QStringLiteral("pipeline"), tr("Pipelines and other runs"));

    for (const auto& m : s.models) {
        const QString name = m.name.empty() ? QFileInfo(qs(m.path)).fileName() : qs(m.name);
        QString key = qs(m.architecture);
        if (auto it = m.info.find("layers"); it != m.info.end() && it->is_number())
            key += QStringLiteral(", %1 layers").arg(it->get<long long>());
        models->appendRow(row(name, QString(), key, {QStringLiteral("model"), m.id}, qs(m.path)));
    }
    for (const auto& b : s.benchmarks) {
        const QString name = b.name.empty() ? QFileInfo(qs(b.path)).fileName() : qs(b.name);
        benchmarks->appendRow(row(name, qs(b.format), tr("%1 items").arg(b.itemCount),
                                  {QStringLiteral("benchmark"), b.id}, qs(b.path)));
    }

    // Evaluations are grouped by benchmark: a study (the Shortcut Lab: 123 eval runs) evaluates each
    // benchmark many times, under every condition and seed.
    std::map<std::optional<workspace::Id>, QStandardItem*> evalGroups;
    auto evalParent = [&](const workspace::RunRecord& r) {
        auto it = evalGroups.find(r.benchmarkId);
        if (it != evalGroups.end()) return it->second;
        const auto* b = r.benchmarkId ? s.benchmark(*r.benchmarkId) : nullptr;
        auto* g = new QStandardItem(b ? (b->name.empty() ? QFileInfo(qs(b->path)).fileName() : qs(b->name)) : tr("(no benchmark)"));
        g->setEditable(false);
        g->setToolTip(b ? qs(b->path) : QString());
        auto* blank1 = new QStandardItem;
        auto* blank2 = new QStandardItem;
        blank1->setEditable(false);
        blank2->setEditable(false);
        evals->appendRow({g, blank1, blank2});
        evalGroups[r.benchmarkId] = g;
        return g;
    };
    std::map<workspace::Id, QStandardItem*> runItems;
    for (const auto& r : s.runs) {
        QStandardItem* parent = pipelines;
        if (r.kind == "eval") parent = evalParent(r);
        else if (r.kind == "attribution") parent = attributions;
        else if (r.kind == "finetune") parent = finetunes;
        else if (r.kind == "compare") parent = compares;
        QList<QStandardItem*> cells = runRow(s, r);
        runItems[r.id] = cells.front();
        parent->appendRow(cells);
    }
    for (const auto& sel : s.selections) {
        auto it = runItems.find(sel.runId);
        if (it == runItems.end()) continue;
        it->second->appendRow(row(QStringLiteral("selection #%1 · %2").arg(sel.id).arg(qs(sel.name)), QString(),
                                  tr("%1 items").arg(sel.items), {QStringLiteral("selection"), sel.id},
                                  qs(sel.criteria.dump())));
    }
    for (const auto& sc : s.scores) {
        auto it = runItems.find(sc.runId);
        if (it == runItems.end()) continue;
        it->second->appendRow(row(QStringLiteral("scores #%1 · %2 · %3").arg(sc.id).arg(qs(sc.kind), qs(sc.dataset)),
                                  QString(), tr("%1 × %2").arg(sc.layers).arg(sc.neurons),
                                  {QStringLiteral("scores"), sc.id}));
    }
    for (const auto& c : s.checkpoints) {
        auto it = runItems.find(c.runId);
        if (it == runItems.end()) continue;
        it->second->appendRow(row(QStringLiteral("checkpoint #%1 · step %2").arg(c.id).arg(c.step), QString(),
                                  QFileInfo(qs(c.path)).fileName(), {QStringLiteral("checkpoint"), c.id}, qs(c.path)));
    }
    for (const auto& c : s.comparisons) {
        auto it = runItems.find(c.runId);
        QStandardItem* parent = it == runItems.end() ? compares : it->second;
        parent->appendRow(row(QStringLiteral("comparison #%1 · %2").arg(c.id).arg(qs(c.name)), QString(), QString(),
                              {QStringLiteral("comparison"), c.id}));
    }
    for (const auto& m : s.masks)
        masks->appendRow(row(QStringLiteral("#%1 %2").arg(m.id).arg(qs(m.name)), QString(),
                             tr("%1 neurons").arg(m.neuronCount), {QStringLiteral("mask"), m.id},
                             m.runId ? tr("made by run %1").arg(*m.runId) : tr("made by hand")));
    for (const auto& e : s.exports) {
        QStandardItem* parent = e.kind == "report_pdf" ? reports : exports;
        parent->appendRow(row(QStringLiteral("#%1 %2").arg(e.id).arg(QFileInfo(qs(e.path)).fileName()), qs(e.kind),
                              QString(), {QStringLiteral("export"), e.id}, qs(e.path)));
    }
    for (auto& [key, g] : evalGroups) {
        g->setText(QStringLiteral("%1 (%2 %3)").arg(g->text()).arg(g->rowCount()).arg(g->rowCount() == 1 ? tr("run") : tr("runs")));
        (void)key;
    }
    for (auto& [key, g] : groups) {
        const int n = g == evals ? static_cast<int>(std::count_if(s.runs.begin(), s.runs.end(), [](const auto& r) { return r.kind == "eval"; }))
                                 : g->rowCount();
        g->setText(QStringLiteral("%1 (%2)").arg(g->text()).arg(n));
    }
}

ObjectRef NavigatorModel::refAt(const QModelIndex& index) const {
    if (!index.isValid()) return {};
    const QModelIndex first = index.siblingAtColumn(NameColumn);
    return {first.data(RefKindRole).toString(), first.data(RefIdRole).toLongLong()};
}

QModelIndex NavigatorModel::indexOf(const ObjectRef& ref) const {
    const QModelIndexList hits =
        match(index(0, 0), RefKindRole, ref.kind, -1, Qt::MatchExactly | Qt::MatchRecursive);
    for (const QModelIndex& i : hits)
        if (i.data(RefIdRole).toLongLong() == ref.id) return i;
    return {};
}

QList<ObjectRef> NavigatorModel::allRefs() const {
    QList<ObjectRef> out;
    std::function<void(const QModelIndex&)> walk = [&](const QModelIndex& parent) {
        for (int r = 0; r < rowCount(parent); ++r) {
            const QModelIndex i = index(r, 0, parent);
            if (const ObjectRef ref = refAt(i); ref.valid()) out << ref;
            walk(i);
        }
    };
    walk({});
    return out;
}

QModelIndex NavigatorModel::groupIndex(const QString& group) const {
    for (int r = 0; r < rowCount(); ++r)
        if (index(r, 0).data(GroupRole).toString() == group) return index(r, 0);
    return {};
}

}  // namespace prominence::ui
