#include "ui/workspace/object_ref.h"

#include <QStringList>

namespace prominence::ui {

ObjectRef ObjectRef::parse(const QString& text, QString* error) {
    static const QStringList kinds = {QStringLiteral("run"),        QStringLiteral("selection"),
                                      QStringLiteral("scores"),     QStringLiteral("mask"),
                                      QStringLiteral("comparison"), QStringLiteral("export"),
                                      QStringLiteral("model"),      QStringLiteral("benchmark"),
                                      QStringLiteral("checkpoint")};
    const int colon = text.indexOf(QLatin1Char(':'));
    const QString kind = colon < 0 ? QString() : text.left(colon);
    bool ok = false;
    const qint64 id = colon < 0 ? 0 : text.mid(colon + 1).toLongLong(&ok);
    if (colon < 0 || !kinds.contains(kind) || !ok || id <= 0) {
        if (error)
            *error = QStringLiteral("--open expects KIND:ID with KIND one of %1 and ID a positive workspace id, got '%2'")
                         .arg(kinds.join(QStringLiteral(", ")), text);
        return {};
    }
    return {kind, id};
}

}  // namespace prominence::ui
