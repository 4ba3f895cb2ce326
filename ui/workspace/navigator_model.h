#pragma once
// The study navigator's tree: the workspace's objects grouped the way a study reads (models,
// benchmarks, evaluations with their selections, attributions with their score matrices, masks,
// fine-tuning runs with their checkpoints, comparisons, exports, reports, pipelines), three columns:
// name, status, key number. Built from a StudySnapshot, so filling it never touches the file.
#include <QStandardItemModel>

#include "ui/workspace/object_ref.h"
#include "ui/workspace/study_snapshot.h"

namespace prominence::ui {

class NavigatorModel : public QStandardItemModel {
    Q_OBJECT
public:
    enum Role { RefKindRole = Qt::UserRole + 1, RefIdRole, GroupRole };
    enum Column { NameColumn = 0, StatusColumn, KeyColumn };

    explicit NavigatorModel(QObject* parent = nullptr);

    void setSnapshot(const StudySnapshot& snapshot);
    void clearSnapshot();

    ObjectRef refAt(const QModelIndex& index) const;
    // The name-column index of the row showing `ref`, or an invalid index.
    QModelIndex indexOf(const ObjectRef& ref) const;
    // Every object listed, in tree order (tests: "every stored object is in the navigator").
    QList<ObjectRef> allRefs() const;
    // Top-level group rows by their stable key (models, benchmarks, eval, ...).
    QModelIndex groupIndex(const QString& group) const;
};

}  // namespace prominence::ui
