#pragma once
// The details page of one stored object: what it is, its status and key number, every parameter it
// was made with (the stored params_json, flattened into a readable table), its provenance (inputs,
// model and benchmark with their hashes, Prominence version, start and end, host and process) and
// its summary. Built from the snapshot the navigator already holds, so showing it reads nothing.
#include <QString>
#include <QWidget>

#include "ui/workspace/object_ref.h"
#include "ui/workspace/study_snapshot.h"

class QTextBrowser;
class QToolButton;

namespace prominence::ui {

// The page as HTML; an explanatory paragraph when `ref` is not in the snapshot.
QString detailsHtml(const StudySnapshot& snapshot, const ObjectRef& ref);
// Whether the GUI can resume this run (a dataset attribution that is cancelled, failed or incomplete).
bool resumable(const workspace::RunRecord& run);

class DetailsPage : public QWidget {
    Q_OBJECT
public:
    explicit DetailsPage(QWidget* parent = nullptr);

    void show(const StudySnapshot& snapshot, const ObjectRef& ref);
    const ObjectRef& ref() const { return ref_; }
    QString html() const;

Q_SIGNALS:
    void resumeRequested(qint64 runId);

private:
    ObjectRef ref_;
    QTextBrowser* text_ = nullptr;
    QToolButton* resume_ = nullptr;
};

}  // namespace prominence::ui
