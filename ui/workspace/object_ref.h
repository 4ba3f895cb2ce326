#pragma once
// What a navigator row, a tab or `--open KIND:ID` points at: one stored object of the workspace.
#include <QMetaType>
#include <QString>

namespace prominence::ui {

struct ObjectRef {
    // model, benchmark, run, selection, scores, mask, checkpoint, comparison, export; empty = none
    QString kind;
    qint64 id = 0;

    bool valid() const { return !kind.isEmpty() && id > 0; }
    QString key() const { return kind + QLatin1Char(':') + QString::number(id); }
    bool operator==(const ObjectRef& o) const { return kind == o.kind && id == o.id; }
    bool operator!=(const ObjectRef& o) const { return !(*this == o); }

    // Parses "KIND:ID" as --open takes it; returns an invalid ref and sets `error` otherwise.
    static ObjectRef parse(const QString& text, QString* error);
};

}  // namespace prominence::ui

Q_DECLARE_METATYPE(prominence::ui::ObjectRef)
