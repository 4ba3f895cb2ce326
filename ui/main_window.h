#pragma once
// The application's main window: a workspace open in it, the study navigator and Jobs docks, and a
// central area of tabs (the start page, details pages, the steps' forms and the views). Everything
// that reads or writes the workspace runs on the JobRunner; the window only wires results to widgets.
#include <QMainWindow>
#include <QPointer>

#include <functional>
#include <memory>
#include <optional>

#include "ui/jobs/job_runner.h"
#include "ui/workspace/object_ref.h"
#include "ui/workspace/study_snapshot.h"

class QFileSystemWatcher;
class QLabel;
class QMenu;
class QTabWidget;
class QTimer;
class QTreeView;

namespace prominence::ui {

class DetailsPage;
class ExampleBrowser;
class JobsDock;
class NavigatorModel;
class StartPage;
class StepForm;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    QString versionText() const;

    // Opens a workspace: the file is read on a worker thread; workspaceLoaded() or workspaceFailed()
    // follows. A failure leaves the window as it was (with the previous workspace, if any).
    void openWorkspace(const QString& path);
    // Creates a new, empty workspace file and opens it.
    void newWorkspace(const QString& path);
    void closeWorkspace();
    // Re-reads the open workspace (after a job wrote it, or another process did).
    void refresh();

    // Shows an object of the open workspace in its view (this issue: its details page); false and an
    // error when it is not there. viewReady() follows once the view has finished loading.
    bool openObject(const ObjectRef& ref);
    // Opens the form of a step: add-model, add-benchmark, eval, select, attribute, prune, finetune,
    // compare, export, pipeline. Returns nullptr for an unknown name.
    StepForm* openForm(const QString& name);
    // The example browser of an eval run (a tab, reused); with a compare run, its flipped items.
    ExampleBrowser* openExampleBrowser(qint64 evalRun, std::optional<qint64> compareRun = std::nullopt);
    // The export dialog, preselecting a stored mask or a neuron list (the heatmap's mask) and a model.
    void openExportDialog(std::optional<qint64> maskId = std::nullopt, const QString& neurons = {}, const QString& modelDir = {});
    // Runs the Shortcut Lab (`prominence-cli demo`) as a job and opens its workspace afterwards.
    int runShortcutLab(const QString& workspacePath = {});
    // Resumes a cancelled, failed or incomplete attribution run as a job.
    int resumeRun(qint64 runId);

    QString workspacePath() const { return workspacePath_; }
    const StudySnapshot& snapshot() const { return *snapshot_; }
    bool hasWorkspace() const { return !workspacePath_.isEmpty(); }
    JobRunner* jobs() const { return runner_; }
    NavigatorModel* navigatorModel() const { return navModel_; }
    QTreeView* navigatorView() const { return navView_; }
    QTabWidget* tabs() const { return tabs_; }
    JobsDock* jobsDock() const { return jobsDock_; }
    // The last error shown to the user (tests read it; the dialog itself is non-modal).
    QString lastError() const { return lastError_; }
    // Ask before closing with running jobs (off in tests and screenshot mode).
    void setConfirmClose(bool on) { confirmClose_ = on; }
    // Show errors as dialogs (off in screenshot mode: they go to stderr and lastError()).
    void setErrorDialogs(bool on) { errorDialogs_ = on; }
    QStringList recentFiles() const;

Q_SIGNALS:
    void workspaceLoaded(const QString& path);
    void workspaceFailed(const QString& path, const QString& error);
    void viewReady(const prominence::ui::ObjectRef& ref);
    void errorShown(const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildMenus();
    void buildDocks();
    void restoreSettings();
    void saveSettings();
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    void applySnapshot(std::shared_ptr<StudySnapshot> snapshot, bool firstLoad);
    void updateTitle();
    void showError(const QString& title, const QString& message);
    void showDetailsFor(const ObjectRef& ref, bool pinned);
    void watch(const QString& path);
    void chooseAndOpen();
    void chooseAndCreate();
    void onJobFinished(int id);

    JobRunner* runner_ = nullptr;
    std::shared_ptr<StudySnapshot> snapshot_;
    QString workspacePath_;
    QString loadingPath_;
    bool loadQueued_ = false;
    bool loading_ = false;
    NavigatorModel* navModel_ = nullptr;
    QTreeView* navView_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    StartPage* startPage_ = nullptr;
    QPointer<DetailsPage> preview_;
    JobsDock* jobsDock_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QFileSystemWatcher* watcher_ = nullptr;
    QTimer* refreshTimer_ = nullptr;
    QLabel* statusWorkspace_ = nullptr;
    QString lastError_;
    bool confirmClose_ = true;
    bool errorDialogs_ = true;
    bool suppressPreview_ = false;  // a row made current by code, not by the user
};

}  // namespace prominence::ui
