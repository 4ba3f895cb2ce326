#pragma once
// The base of every step's form: labelled fields with tooltips, defaults taken from the core/study
// parameter structs (the same defaults the CLI's --help shows), last-used values remembered per form
// (QSettings), a live preview of the equivalent prominence-cli command, "Copy as command" and "Run",
// which starts the step as a job. A form never composes a step itself: it fills a study::XParams and
// the job calls study::runX, as the CLI command does.
#include <QVariant>
#include <QWidget>

#include <map>
#include <vector>

#include "ui/jobs/job_runner.h"
#include "ui/workspace/study_snapshot.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QVBoxLayout;

namespace prominence::ui {

class MainWindow;

// A layer-list field: "all", "none" or empty -> empty (every layer); else comma-separated indices >= 0.
// InvalidArgument naming `what` and the bad entry.
std::vector<int> parseLayerList(const QString& text, const char* what);

enum class PathKind { File, Directory, SaveFile, SaveDirectory };
// What a picker of stored objects lists.
enum class RefKind { EvalRun, CompletedEvalRun, Selection, AttributionRun, CompletedAttributionRun, Mask, Comparison, Model };

class StepForm : public QWidget {
    Q_OBJECT
public:
    StepForm(QString name, QString title, MainWindow* window);

    QString name() const { return name_; }
    QString title() const { return title_; }

    // Refreshes the pickers of stored objects (runs, selections, masks) from the workspace's rows.
    void setSnapshot(const StudySnapshot& snapshot);
    const StudySnapshot& snapshot() const { return snapshot_; }

    // Sets or reads a field by key: text and paths as strings, numbers, booleans, ids (pickers) and
    // lists of ids (multi-pickers). Tests and scripted runs use these; the user uses the widgets.
    void setValue(const QString& key, const QVariant& value);
    QVariant value(const QString& key) const;

    // The prominence-cli argv for the current values; throws InvalidArgument for a value the step
    // refuses (the message is what the form shows).
    virtual QStringList command() const = 0;
    // Validates, remembers the values, starts the job. Returns its id, or 0 with the error shown.
    int run();
    int lastJob() const { return lastJob_; }
    QString statusText() const;
    QString commandPreview() const;

Q_SIGNALS:
    void jobStarted(int id);
    void jobEnded(int id);

protected:
    // Builds the job for the current values (throws InvalidArgument like command()).
    virtual JobSpec buildJob() const = 0;
    // Called after setSnapshot() filled the pickers; forms with previews refresh them here.
    virtual void snapshotChanged() {}
    // Called after any field changed (after the command preview was updated).
    virtual void valuesChanged() {}

    void addSection(const QString& title);
    QLineEdit* addPath(const QString& key, const QString& label, const QString& tip, PathKind kind,
                       const QString& defaultValue = {}, const QString& filter = {});
    QSpinBox* addInt(const QString& key, const QString& label, const QString& tip, int min, int max, int def);
    QDoubleSpinBox* addDouble(const QString& key, const QString& label, const QString& tip, double min, double max,
                              double def, int decimals);
    QComboBox* addChoice(const QString& key, const QString& label, const QString& tip, const QStringList& choices,
                         const QString& def);
    QCheckBox* addFlag(const QString& key, const QString& label, const QString& tip, bool def);
    QLineEdit* addText(const QString& key, const QString& label, const QString& tip, const QString& def = {},
                       const QString& placeholder = {});
    // A picker of stored objects; `optional` adds a "(none)" entry with id 0.
    QComboBox* addRef(const QString& key, const QString& label, const QString& tip, RefKind kind, bool optional = false);
    // A list of stored objects with check boxes (reference selections, reference runs).
    QListWidget* addRefList(const QString& key, const QString& label, const QString& tip, RefKind kind);
    // Greys out a field and its label (a parameter the current choices do not use).
    void setFieldEnabled(const QString& key, bool on);
    // A widget the form lays out itself (a preview table, a histogram), spanning both columns.
    void addWidgetRow(QWidget* widget);
    // Ends the layout: command preview, buttons, remembered values. Call last in the constructor.
    void finish();

    QString str(const QString& key) const { return value(key).toString().trimmed(); }
    long long integer(const QString& key) const { return value(key).toLongLong(); }
    double real(const QString& key) const { return value(key).toDouble(); }
    bool flag(const QString& key) const { return value(key).toBool(); }
    std::vector<std::int64_t> ids(const QString& key) const;
    std::string workspace() const;  // the open workspace's path; InvalidArgument when none is open
    MainWindow* window() const { return window_; }
    void setStatus(const QString& text, bool error = false);
    // A job running a study step: `work` gets a Progress and a Log that collects notes for the form.
    JobSpec stepJob(const QString& title, std::function<nlohmann::json(Progress&, const std::function<void(const std::string&)>&)> work) const;

private:
    void refreshCommand();
    void remember() const;
    void restore();
    void fillRefs();
    QWidget* field(const QString& key) const;

    QString name_;
    QString title_;
    MainWindow* window_;
    StudySnapshot snapshot_;
    QVBoxLayout* outer_ = nullptr;
    QFormLayout* form_ = nullptr;
    std::map<QString, QWidget*> fields_;
    std::map<QString, QVariant> defaults_;
    std::map<QString, RefKind> refKinds_;
    QLineEdit* preview_ = nullptr;
    QLabel* status_ = nullptr;
    QPlainTextEdit* result_ = nullptr;
    QPushButton* runButton_ = nullptr;
    int lastJob_ = 0;
    bool restoring_ = false;
};

}  // namespace prominence::ui
