#include "ui/views/details_page.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QTextBrowser>
#include <QToolButton>
#include <QVBoxLayout>

namespace prominence::ui {

namespace {

using workspace::Json;

QString qs(const std::string& s) { return QString::fromStdString(s); }
QString esc(const QString& s) { return s.toHtmlEscaped(); }
QString esc(const std::string& s) { return qs(s).toHtmlEscaped(); }

QString scalarText(const Json& v) {
    if (v.is_string()) return qs(v.get<std::string>());
    if (v.is_null()) return QStringLiteral("—");
    if (v.is_number_float()) return QString::number(v.get<double>(), 'g', 6);
    return qs(v.dump());
}

// Rows "a.b.c → value"; short lists of scalars stay on one row.
void flatten(const Json& v, const QString& prefix, QList<QPair<QString, QString>>& rows) {
    if (v.is_object()) {
        if (v.empty() && !prefix.isEmpty()) rows.append({prefix, QStringLiteral("{}")});
        for (auto it = v.begin(); it != v.end(); ++it)
            flatten(it.value(), prefix.isEmpty() ? qs(it.key()) : prefix + QLatin1Char('.') + qs(it.key()), rows);
        return;
    }
    if (v.is_array()) {
        const bool scalars = std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_primitive(); });
        if (scalars) {
            QStringList parts;
            const std::size_t shown = std::min<std::size_t>(v.size(), 24);
            for (std::size_t i = 0; i < shown; ++i) parts << scalarText(v[i]);
            QString text = QStringLiteral("[") + parts.join(QStringLiteral(", "));
            if (v.size() > shown) text += QStringLiteral(", … (%1 in all)").arg(v.size());
            rows.append({prefix, text + QStringLiteral("]")});
            return;
        }
        for (std::size_t i = 0; i < v.size(); ++i) flatten(v[i], QStringLiteral("%1[%2]").arg(prefix).arg(i), rows);
        return;
    }
    rows.append({prefix, scalarText(v)});
}

QString table(const QList<QPair<QString, QString>>& rows) {
    if (rows.isEmpty()) return QStringLiteral("<p><i>none</i></p>");
    QString h = QStringLiteral("<table cellspacing='0' cellpadding='3' width='100%'>");
    bool odd = false;
    for (const auto& [k, v] : rows) {
        h += QStringLiteral("<tr style='background:%1'><td width='38%'><tt>%2</tt></td><td>%3</td></tr>")
                 .arg(odd ? QStringLiteral("#f3f5f8") : QStringLiteral("#ffffff"), esc(k), esc(v));
        odd = !odd;
    }
    return h + QStringLiteral("</table>");
}

QString flatTable(const Json& j) {
    QList<QPair<QString, QString>> rows;
    flatten(j, QString(), rows);
    return table(rows);
}

// Scalars of the top level first, then each nested object under a sub-heading of its own, so a deep
// summary (the Shortcut Lab's) reads as sections instead of one table of long dotted keys.
QString jsonTable(const Json& j, int depth = 0) {
    if (!j.is_object() || depth >= 2) return flatTable(j);
    Json scalars = Json::object();
    QString nested;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.value().is_object() && !it.value().empty())
            nested += QStringLiteral("<h%1 style='margin-bottom:2px'>%2</h%1>").arg(4 + depth).arg(esc(it.key())) +
                      jsonTable(it.value(), depth + 1);
        else
            scalars[it.key()] = it.value();
    }
    return (scalars.empty() && !nested.isEmpty() ? QString() : flatTable(scalars)) + nested;
}

QString section(const QString& title) { return QStringLiteral("<h3>%1</h3>").arg(esc(title)); }

QString duration(const std::string& start, const std::optional<std::string>& end) {
    if (!end) return {};
    const QDateTime a = QDateTime::fromString(qs(start), Qt::ISODateWithMs);
    const QDateTime b = QDateTime::fromString(qs(*end), Qt::ISODateWithMs);
    if (!a.isValid() || !b.isValid()) return {};
    return QStringLiteral("%1 s").arg(static_cast<double>(a.msecsTo(b)) / 1000.0, 0, 'f', 1);
}

QString modelRows(const StudySnapshot& s, std::optional<workspace::Id> id, QList<QPair<QString, QString>>& rows) {
    if (!id) return {};
    const auto* m = s.model(*id);
    if (!m) {
        rows.append({QStringLiteral("model"), QStringLiteral("#%1 (not in this workspace)").arg(*id)});
        return {};
    }
    rows.append({QStringLiteral("model"), QStringLiteral("#%1 %2").arg(m->id).arg(qs(m->path))});
    rows.append({QStringLiteral("model architecture"), qs(m->architecture)});
    rows.append({QStringLiteral("model config hash"), qs(m->configHash)});
    rows.append({QStringLiteral("model weights hash"), qs(m->weightsHash)});
    return {};
}

void benchmarkRows(const StudySnapshot& s, std::optional<workspace::Id> id, QList<QPair<QString, QString>>& rows) {
    if (!id) return;
    const auto* b = s.benchmark(*id);
    if (!b) {
        rows.append({QStringLiteral("benchmark"), QStringLiteral("#%1 (not in this workspace)").arg(*id)});
        return;
    }
    rows.append({QStringLiteral("benchmark"), QStringLiteral("#%1 %2").arg(b->id).arg(qs(b->path))});
    rows.append({QStringLiteral("benchmark format"), qs(b->format)});
    rows.append({QStringLiteral("benchmark hash"), qs(b->hash)});
    rows.append({QStringLiteral("benchmark items"), QString::number(b->itemCount)});
}

QString header(const QString& title, const QString& status, const QString& key) {
    QString h = QStringLiteral("<h2>%1</h2><p>").arg(esc(title));
    if (!status.isEmpty()) h += QStringLiteral("<b>%1</b>").arg(esc(status));
    if (!key.isEmpty()) h += QStringLiteral(" &nbsp;·&nbsp; %1").arg(esc(key));
    return h + QStringLiteral("</p>");
}

QString runPage(const StudySnapshot& s, const workspace::RunRecord& r) {
    QString title = QStringLiteral("%1 run #%2").arg(qs(r.kind)).arg(r.id);
    if (!r.name.empty()) title += QStringLiteral(" — ") + qs(r.name);
    QString h = header(title, qs(workspace::runStatusName(r.status)), qs(runKeyNumber(r)));
    if (!r.error.empty())
        h += QStringLiteral("<p style='color:#b02020'><b>Error:</b> %1</p>").arg(esc(r.error));
    if (resumable(r))
        h += QStringLiteral("<p>This run kept its finished items; <b>Resume</b> continues it.</p>");
    h += section(QStringLiteral("Summary")) + jsonTable(r.summary);
    h += section(QStringLiteral("Parameters")) + jsonTable(r.params);

    QList<QPair<QString, QString>> prov;
    modelRows(s, r.modelId, prov);
    benchmarkRows(s, r.benchmarkId, prov);
    for (const auto& in : r.inputs) {
        const auto* src = s.run(in.runId);
        prov.append({QStringLiteral("input (%1)").arg(qs(in.role)),
                     src ? QStringLiteral("#%1 %2 %3").arg(src->id).arg(qs(src->kind), qs(src->name))
                         : QStringLiteral("#%1").arg(in.runId)});
    }
    if (r.parentRunId) prov.append({QStringLiteral("part of run"), QStringLiteral("#%1").arg(*r.parentRunId)});
    prov.append({QStringLiteral("Prominence version"), qs(r.prominenceVersion)});
    prov.append({QStringLiteral("started"), qs(r.startedAt)});
    prov.append({QStringLiteral("ended"), r.endedAt ? qs(*r.endedAt) : QStringLiteral("—")});
    if (const QString d = duration(r.startedAt, r.endedAt); !d.isEmpty()) prov.append({QStringLiteral("took"), d});
    prov.append({QStringLiteral("host"), qs(r.hostname)});
    prov.append({QStringLiteral("process"), QString::number(r.pid)});
    h += section(QStringLiteral("Provenance")) + table(prov);

    QList<QPair<QString, QString>> made;
    for (const auto& sel : s.selections)
        if (sel.runId == r.id) made.append({QStringLiteral("selection #%1").arg(sel.id), QStringLiteral("%1, %2 items").arg(qs(sel.name)).arg(sel.items)});
    for (const auto& sc : s.scores)
        if (sc.runId == r.id)
            made.append({QStringLiteral("scores #%1").arg(sc.id),
                         QStringLiteral("%1 over %2: %3 × %4, %5 items").arg(qs(sc.kind), qs(sc.dataset)).arg(sc.layers).arg(sc.neurons).arg(sc.itemCount)});
    for (const auto& m : s.masks)
        if (m.runId && *m.runId == r.id) made.append({QStringLiteral("mask #%1").arg(m.id), QStringLiteral("%1, %2 neurons").arg(qs(m.name)).arg(m.neuronCount)});
    for (const auto& c : s.checkpoints)
        if (c.runId == r.id) made.append({QStringLiteral("checkpoint #%1").arg(c.id), QStringLiteral("step %1: %2").arg(c.step).arg(qs(c.path))});
    for (const auto& c : s.comparisons)
        if (c.runId == r.id) made.append({QStringLiteral("comparison #%1").arg(c.id), qs(c.name)});
    for (const auto& e : s.exports)
        if (e.runId && *e.runId == r.id) made.append({QStringLiteral("export #%1").arg(e.id), QStringLiteral("%1: %2").arg(qs(e.kind), qs(e.path))});
    if (!made.isEmpty()) h += section(QStringLiteral("What it produced")) + table(made);
    return h;
}

}  // namespace

bool resumable(const workspace::RunRecord& run) {
    const bool stopped = run.status == workspace::RunStatus::Cancelled || run.status == workspace::RunStatus::Failed ||
                         run.status == workspace::RunStatus::Incomplete;
    return stopped && run.kind == "attribution" && run.params.contains("selection_id");
}

QString detailsHtml(const StudySnapshot& s, const ObjectRef& ref) {
    const auto missing = [&] {
        return QStringLiteral("<h2>%1 #%2</h2><p>Not in this workspace (it may have been written by a newer run; "
                              "the navigator refreshes when the file changes).</p>")
            .arg(esc(ref.kind))
            .arg(ref.id);
    };
    if (ref.kind == QLatin1String("run")) {
        const auto* r = s.run(ref.id);
        return r ? runPage(s, *r) : missing();
    }
    if (ref.kind == QLatin1String("model")) {
        const auto* m = s.model(ref.id);
        if (!m) return missing();
        QList<QPair<QString, QString>> rows = {{QStringLiteral("path"), qs(m->path)},
                                               {QStringLiteral("architecture"), qs(m->architecture)},
                                               {QStringLiteral("config hash"), qs(m->configHash)},
                                               {QStringLiteral("weights hash"), qs(m->weightsHash)},
                                               {QStringLiteral("added"), qs(m->addedAt)}};
        return header(QStringLiteral("model #%1 %2").arg(m->id).arg(qs(m->name)), QString(), qs(m->architecture)) +
               section(QStringLiteral("Checkpoint")) + table(rows) + section(QStringLiteral("Info")) + jsonTable(m->info);
    }
    if (ref.kind == QLatin1String("benchmark")) {
        const auto* b = s.benchmark(ref.id);
        if (!b) return missing();
        QList<QPair<QString, QString>> rows = {{QStringLiteral("path"), qs(b->path)},
                                               {QStringLiteral("format"), qs(b->format)},
                                               {QStringLiteral("hash"), qs(b->hash)},
                                               {QStringLiteral("items"), QString::number(b->itemCount)},
                                               {QStringLiteral("added"), qs(b->addedAt)}};
        return header(QStringLiteral("benchmark #%1 %2").arg(b->id).arg(qs(b->name)), qs(b->format),
                      QStringLiteral("%1 items").arg(b->itemCount)) +
               section(QStringLiteral("File")) + table(rows) + section(QStringLiteral("Field mapping")) +
               jsonTable(b->fieldMapping);
    }
    if (ref.kind == QLatin1String("selection")) {
        const auto* sel = s.selection(ref.id);
        if (!sel) return missing();
        const auto* r = s.run(sel->runId);
        QList<QPair<QString, QString>> rows = {
            {QStringLiteral("eval run"), r ? QStringLiteral("#%1 %2").arg(r->id).arg(qs(r->name)) : QString::number(sel->runId)},
            {QStringLiteral("items"), QString::number(sel->items)},
            {QStringLiteral("created"), qs(sel->createdAt)}};
        return header(QStringLiteral("selection #%1 %2").arg(sel->id).arg(qs(sel->name)), QString(),
                      QStringLiteral("%1 items").arg(sel->items)) +
               section(QStringLiteral("Selection")) + table(rows) + section(QStringLiteral("Criteria")) +
               jsonTable(sel->criteria);
    }
    if (ref.kind == QLatin1String("scores")) {
        const auto* sc = s.scoresRow(ref.id);
        if (!sc) return missing();
        QList<QPair<QString, QString>> rows = {{QStringLiteral("attribution run"), QStringLiteral("#%1").arg(sc->runId)},
                                               {QStringLiteral("dataset"), qs(sc->dataset)},
                                               {QStringLiteral("kind"), qs(sc->kind)},
                                               {QStringLiteral("shape"), QStringLiteral("%1 layers × %2 neurons").arg(sc->layers).arg(sc->neurons)},
                                               {QStringLiteral("items aggregated"), QString::number(sc->itemCount)},
                                               {QStringLiteral("created"), qs(sc->createdAt)}};
        return header(QStringLiteral("scores #%1 %2").arg(sc->id).arg(qs(sc->kind)), qs(sc->dataset),
                      QStringLiteral("%1 × %2").arg(sc->layers).arg(sc->neurons)) +
               section(QStringLiteral("Score matrix")) + table(rows) + section(QStringLiteral("Parameters")) +
               jsonTable(sc->params);
    }
    if (ref.kind == QLatin1String("mask")) {
        const auto* m = s.mask(ref.id);
        if (!m) return missing();
        QList<QPair<QString, QString>> rows = {
            {QStringLiteral("neurons pruned"), QString::number(m->neuronCount)},
            {QStringLiteral("model shape"), QStringLiteral("%1 layers × %2 neurons").arg(m->layers).arg(m->neurons)},
            {QStringLiteral("made by run"), m->runId ? QStringLiteral("#%1").arg(*m->runId) : QStringLiteral("—")},
            {QStringLiteral("model"), m->modelId ? QStringLiteral("#%1").arg(*m->modelId) : QStringLiteral("—")},
            {QStringLiteral("created"), qs(m->createdAt)}};
        return header(QStringLiteral("mask #%1 %2").arg(m->id).arg(qs(m->name)), QString(),
                      QStringLiteral("%1 neurons").arg(m->neuronCount)) +
               section(QStringLiteral("Mask")) + table(rows) + section(QStringLiteral("Provenance")) +
               jsonTable(m->provenance);
    }
    if (ref.kind == QLatin1String("checkpoint")) {
        for (const auto& c : s.checkpoints)
            if (c.id == ref.id) {
                QList<QPair<QString, QString>> rows = {{QStringLiteral("fine-tune run"), QStringLiteral("#%1").arg(c.runId)},
                                                       {QStringLiteral("step"), QString::number(c.step)},
                                                       {QStringLiteral("path"), qs(c.path)},
                                                       {QStringLiteral("mask"), c.maskId ? QStringLiteral("#%1").arg(*c.maskId) : QStringLiteral("—")},
                                                       {QStringLiteral("created"), qs(c.createdAt)}};
                return header(QStringLiteral("checkpoint #%1").arg(c.id), QString(), QStringLiteral("step %1").arg(c.step)) +
                       section(QStringLiteral("Checkpoint")) + table(rows) + section(QStringLiteral("Metrics")) +
                       jsonTable(c.metrics);
            }
        return missing();
    }
    if (ref.kind == QLatin1String("comparison")) {
        const auto* c = s.comparison(ref.id);
        if (!c) return missing();
        const auto* r = s.run(c->runId);
        QString h = header(QStringLiteral("comparison #%1 %2").arg(c->id).arg(qs(c->name)), QString(), QString());
        if (r) h += runPage(s, *r);
        return h;
    }
    if (ref.kind == QLatin1String("export")) {
        const auto* e = s.exportRow(ref.id);
        if (!e) return missing();
        QList<QPair<QString, QString>> rows = {{QStringLiteral("kind"), qs(e->kind)},
                                               {QStringLiteral("path"), qs(e->path)},
                                               {QStringLiteral("run"), e->runId ? QStringLiteral("#%1").arg(*e->runId) : QStringLiteral("—")},
                                               {QStringLiteral("mask"), e->maskId ? QStringLiteral("#%1").arg(*e->maskId) : QStringLiteral("—")},
                                               {QStringLiteral("created"), qs(e->createdAt)}};
        return header(QStringLiteral("export #%1").arg(e->id), qs(e->kind), QString()) + section(QStringLiteral("Export")) +
               table(rows) + section(QStringLiteral("Details")) + jsonTable(e->meta);
    }
    return missing();
}

DetailsPage::DetailsPage(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("detailsPage"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(8, 6, 8, 0);
    resume_ = new QToolButton(this);
    resume_->setObjectName(QStringLiteral("resumeButton"));
    resume_->setText(tr("Resume"));
    resume_->setToolTip(tr("Continue this run as a job; the items it finished are kept and not recomputed"));
    resume_->setToolButtonStyle(Qt::ToolButtonTextOnly);
    resume_->hide();
    connect(resume_, &QToolButton::clicked, this, [this] { Q_EMIT resumeRequested(ref_.id); });
    bar->addWidget(resume_);
    bar->addStretch(1);
    layout->addLayout(bar);
    text_ = new QTextBrowser(this);
    text_->setObjectName(QStringLiteral("detailsText"));
    text_->setOpenLinks(false);
    text_->setFrameShape(QFrame::NoFrame);
    layout->addWidget(text_);
}

void DetailsPage::show(const StudySnapshot& snapshot, const ObjectRef& ref) {
    ref_ = ref;
    text_->setHtml(detailsHtml(snapshot, ref));
    const auto* run = ref.kind == QLatin1String("run") ? snapshot.run(ref.id) : nullptr;
    resume_->setVisible(run && resumable(*run));
}

QString DetailsPage::html() const { return text_->toHtml(); }

}  // namespace prominence::ui
