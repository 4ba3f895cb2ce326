#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QTimer>
#include <QTreeView>

#include "core/common/version.h"
#include "core/system/runtime.h"
#include "core/workspace/workspace.h"
#include "ui/forms/step_forms.h"
#include "ui/jobs/jobs_dock.h"
#include "ui/views/details_page.h"
#include "ui/views/heatmap_page.h"
#include "ui/views/start_page.h"
#include "ui/views/comparison_page.h"
#include "ui/views/example_browser.h"
#include "ui/views/export_dialog.h"
#include "ui/workspace/navigator_model.h"

// The icons live in prominence_ui, a static library: its resources are registered by hand (the
// linker would otherwise drop their initialiser), at global scope as Q_INIT_RESOURCE requires.
static void initUiResources() { Q_INIT_RESOURCE(prominence); }

namespace prominence::ui {

namespace {
constexpr int kMaxRecent = 10;
const char* kRecentKey = "recentFiles";

QString qs(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), snapshot_(std::make_shared<StudySnapshot>()) {
    setObjectName(QStringLiteral("mainWindow"));
    initUiResources();
    setWindowIcon(QIcon(QStringLiteral(":/icons/prominence.svg")));
    setAcceptDrops(true);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);
    runner_ = new JobRunner(this);

    tabs_ = new QTabWidget(this);
    tabs_->setObjectName(QStringLiteral("viewTabs"));
    tabs_->setDocumentMode(true);
    tabs_->setTabsClosable(true);
    tabs_->setMovable(true);
    connect(tabs_, &QTabWidget::tabCloseRequested, this, [this](int i) {
        QWidget* w = tabs_->widget(i);
        if (w == startPage_) return;
        tabs_->removeTab(i);
        w->deleteLater();
    });
    startPage_ = new StartPage(versionText(), tabs_);
    connect(startPage_, &StartPage::shortcutLabRequested, this, [this] { runShortcutLab(); });
    connect(startPage_, &StartPage::newRequested, this, &MainWindow::chooseAndCreate);
    connect(startPage_, &StartPage::openRequested, this, &MainWindow::chooseAndOpen);
    connect(startPage_, &StartPage::recentRequested, this, &MainWindow::openWorkspace);
    tabs_->addTab(startPage_, tr("Start"));
    tabs_->tabBar()->setTabButton(0, QTabBar::RightSide, nullptr);
    setCentralWidget(tabs_);

    buildDocks();
    buildMenus();

    watcher_ = new QFileSystemWatcher(this);
    refreshTimer_ = new QTimer(this);
    refreshTimer_->setSingleShot(true);
    refreshTimer_->setInterval(300);
    connect(refreshTimer_, &QTimer::timeout, this, &MainWindow::refresh);
    // The CLI (or another window) writing the same file: SQLite in WAL mode appends to the -wal file and
    // checkpoints into the main one; either change means new rows.
    connect(watcher_, &QFileSystemWatcher::fileChanged, this, [this](const QString& path) {
        refreshTimer_->start();
        if (!watcher_->files().contains(path) && QFileInfo::exists(path)) watcher_->addPath(path);
    });
    connect(watcher_, &QFileSystemWatcher::directoryChanged, this, [this] {
        watch(workspacePath_);
        refreshTimer_->start();
    });
    connect(runner_, &JobRunner::jobFinished, this, &MainWindow::onJobFinished);

    statusWorkspace_ = new QLabel(this);
    statusBar()->addPermanentWidget(statusWorkspace_);
    const QString warning = qs(blasWarning(detectBlas()));
    statusBar()->showMessage(warning.isEmpty() ? tr("Ready") : warning);
    resize(1280, 800);
    restoreSettings();
    updateTitle();
}

MainWindow::~MainWindow() {
    runner_->cancelAll();
    runner_->waitForAll();
}

QString MainWindow::versionText() const {
    return QStringLiteral("%1 %2").arg(QString::fromUtf8(kName), QString::fromUtf8(kVersion));
}

void MainWindow::buildDocks() {
    navModel_ = new NavigatorModel(this);
    navView_ = new QTreeView(this);
    navView_->setObjectName(QStringLiteral("navigatorView"));
    navView_->setModel(navModel_);
    navView_->setUniformRowHeights(true);
    navView_->setAlternatingRowColors(true);
    navView_->header()->setSectionResizeMode(NavigatorModel::NameColumn, QHeaderView::Stretch);
    navView_->header()->setSectionResizeMode(NavigatorModel::StatusColumn, QHeaderView::ResizeToContents);
    navView_->header()->setSectionResizeMode(NavigatorModel::KeyColumn, QHeaderView::ResizeToContents);
    navView_->header()->setStretchLastSection(false);
    navView_->setToolTip(tr("Everything stored in the workspace. Select a row to see its details; double-click or "
                            "Enter opens it in a tab of its own."));
    connect(navView_->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex& i) {
        const ObjectRef ref = navModel_->refAt(i);
        if (ref.valid() && !suppressPreview_) showDetailsFor(ref, false);
    });
    connect(navView_, &QTreeView::activated, this, [this](const QModelIndex& i) {
        const ObjectRef ref = navModel_->refAt(i);
        if (ref.valid()) openObject(ref);
    });
    auto* navDock = new QDockWidget(tr("Study"), this);
    navDock->setObjectName(QStringLiteral("navigatorDock"));
    navDock->setWidget(navView_);
    addDockWidget(Qt::LeftDockWidgetArea, navDock);

    jobsDock_ = new JobsDock(runner_, this);
    auto* jobsDock = new QDockWidget(tr("Jobs"), this);
    jobsDock->setObjectName(QStringLiteral("jobsDock"));
    jobsDock->setWidget(jobsDock_);
    addDockWidget(Qt::BottomDockWidgetArea, jobsDock);
    resizeDocks({navDock}, {440}, Qt::Horizontal);
    resizeDocks({jobsDock}, {170}, Qt::Vertical);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* newAct = file->addAction(tr("&New Workspace…"), this, &MainWindow::chooseAndCreate);
    newAct->setShortcut(QKeySequence::New);
    newAct->setToolTip(tr("Create an empty workspace file"));
    QAction* openAct = file->addAction(tr("&Open Workspace…"), this, &MainWindow::chooseAndOpen);
    openAct->setShortcut(QKeySequence::Open);
    openAct->setToolTip(tr("Open a .prominence file (one the CLI wrote, too); dropping it on the window works as well"));
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    QAction* closeAct = file->addAction(tr("&Close Workspace"), this, &MainWindow::closeWorkspace);
    closeAct->setShortcut(QKeySequence::Close);
    closeAct->setToolTip(tr("Close the workspace's tabs and return to the start page"));
    QAction* refreshAct = file->addAction(tr("Re&load"), this, &MainWindow::refresh);
    refreshAct->setShortcut(QKeySequence::Refresh);
    refreshAct->setToolTip(tr("Re-read the workspace (it is also re-read whenever a job or another process writes it)"));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    rebuildRecentMenu();

    QMenu* steps = menuBar()->addMenu(tr("&Steps"));
    for (const FormInfo& f : stepForms()) {
        QAction* a = steps->addAction(f.menuText, this, [this, name = f.name] { openForm(name); });
        a->setToolTip(f.tooltip);
        a->setObjectName(QStringLiteral("stepAction_") + f.name);
        if (f.name == QLatin1String("eval") || f.name == QLatin1String("pipeline")) steps->addSeparator();
    }
    steps->addSeparator();
    QAction* exportAct = steps->addAction(tr("Export &Checkpoint…"), this, [this] { openExportDialog(); });
    exportAct->setObjectName(QStringLiteral("exportDialogAction"));
    exportAct->setShortcut(QKeySequence(tr("Ctrl+E")));
    exportAct->setToolTip(tr("Export the pruned model (a stored mask) as safetensors, then reload it and compare its logits"));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());
    view->addSeparator();
    QAction* start = view->addAction(tr("Start Page"), this, [this] { tabs_->setCurrentWidget(startPage_); });
    start->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    for (QMenu* m : {file, steps, view, help}) m->setToolTipsVisible(true);
    QAction* lab = help->addAction(tr("Open the &Shortcut Lab"), this, [this] { runShortcutLab(); });
    lab->setToolTip(tr("Run the built-in demo as a job and open its workspace"));
    help->addAction(tr("&About Prominence"), this, [this] {
        QMessageBox::about(this, tr("About Prominence"),
                           tr("<b>%1</b><p>Finds and prunes prominent but detrimental neurons in transformer "
                              "language models (after Ali, Katz, Wolf and Titov, COLM 2025).</p>%2")
                               .arg(versionText().toHtmlEscaped(), runtimeSummaryHtml()));
    });
}

void MainWindow::restoreSettings() {
    QSettings s;
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    startPage_->setRecentFiles(recentFiles());
}

void MainWindow::saveSettings() {
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
}

QStringList MainWindow::recentFiles() const {
    return QSettings().value(QLatin1String(kRecentKey)).toStringList();
}

void MainWindow::addRecent(const QString& path) {
    QStringList files = recentFiles();
    const QString abs = QFileInfo(path).absoluteFilePath();
    files.removeAll(abs);
    files.prepend(abs);
    while (files.size() > kMaxRecent) files.removeLast();
    QSettings().setValue(QLatin1String(kRecentKey), files);
    rebuildRecentMenu();
    startPage_->setRecentFiles(files);
}

void MainWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    const QStringList files = recentFiles();
    for (const QString& f : files) recentMenu_->addAction(f, this, [this, f] { openWorkspace(f); });
    if (files.isEmpty()) recentMenu_->addAction(tr("(none)"))->setEnabled(false);
}

void MainWindow::updateTitle() {
    if (workspacePath_.isEmpty()) {
        setWindowTitle(versionText());
        setWindowFilePath({});
        statusWorkspace_->setText(tr("no workspace"));
        return;
    }
    setWindowTitle(QStringLiteral("%1 — %2").arg(QFileInfo(workspacePath_).fileName(), versionText()));
    statusWorkspace_->setText(workspacePath_);
}

void MainWindow::showError(const QString& title, const QString& message) {
    lastError_ = message;
    Q_EMIT errorShown(message);
    statusBar()->showMessage(title + QStringLiteral(": ") + message.section(QLatin1Char('\n'), 0, 0), 15000);
    if (!errorDialogs_) return;
    // Non-modal: the window stays usable and a test or a running job is never blocked by it.
    auto* box = new QMessageBox(QMessageBox::Critical, title, message, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("errorDialog"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->open();
}

void MainWindow::chooseAndOpen() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open workspace"), QString(),
                                                      tr("Prominence workspaces (*.prominence);;All files (*)"));
    if (!path.isEmpty()) openWorkspace(path);
}

void MainWindow::chooseAndCreate() {
    QString path = QFileDialog::getSaveFileName(this, tr("New workspace"), QStringLiteral("study.prominence"),
                                                tr("Prominence workspaces (*.prominence)"));
    if (path.isEmpty()) return;
    if (!path.endsWith(QLatin1String(".prominence"))) path += QStringLiteral(".prominence");
    newWorkspace(path);
}

void MainWindow::newWorkspace(const QString& path) {
    JobSpec spec;
    spec.title = tr("Create %1").arg(QFileInfo(path).fileName());
    spec.kind = QStringLiteral("create");
    spec.io = true;
    spec.visible = false;
    spec.work = [p = path.toStdString()](Progress&) {
        workspace::Workspace::create(p);
        return nlohmann::json::object();
    };
    runner_->start(std::move(spec), [this, path](const nlohmann::json&) { openWorkspace(path); },
                   [this, path](const QString& e) { showError(tr("Cannot create %1").arg(path), e); });
}

void MainWindow::openWorkspace(const QString& path) {
    if (loading_) {
        // One read at a time; the latest request wins.
        loadingPath_ = path;
        loadQueued_ = true;
        return;
    }
    loading_ = true;
    loadingPath_ = path;
    const bool first = path != workspacePath_;
    auto result = std::make_shared<StudySnapshot>();
    JobSpec spec;
    spec.title = tr("Read %1").arg(QFileInfo(path).fileName());
    spec.kind = QStringLiteral("snapshot");
    spec.io = true;
    spec.visible = false;
    spec.work = [result, p = path.toStdString()](Progress&) {
        *result = loadStudySnapshot(p);
        return nlohmann::json::object();
    };
    const auto finish = [this] {
        loading_ = false;
        if (loadQueued_) {
            loadQueued_ = false;
            openWorkspace(loadingPath_);
        }
    };
    runner_->start(
        std::move(spec),
        [this, result, first, finish](const nlohmann::json&) {
            applySnapshot(result, first);
            finish();
        },
        [this, path, first, finish](const QString& e) {
            if (first) {
                showError(tr("Cannot open %1").arg(QFileInfo(path).fileName()), e);
                Q_EMIT workspaceFailed(path, e);
            } else {
                statusBar()->showMessage(tr("Could not re-read the workspace: %1").arg(e), 10000);
            }
            finish();
        });
}

void MainWindow::applySnapshot(std::shared_ptr<StudySnapshot> snapshot, bool firstLoad) {
    const QString path = QString::fromStdString(snapshot->path);
    // Keep the user's place in the tree across a refresh.
    const ObjectRef selected = navModel_->refAt(navView_->currentIndex());
    QStringList expanded;
    for (int r = 0; r < navModel_->rowCount(); ++r)
        if (navView_->isExpanded(navModel_->index(r, 0)))
            expanded << navModel_->index(r, 0).data(NavigatorModel::GroupRole).toString();

    snapshot_ = std::move(snapshot);
    if (firstLoad) {
        for (int i = tabs_->count() - 1; i >= 0; --i)
            if (tabs_->widget(i) != startPage_) {
                QWidget* w = tabs_->widget(i);
                tabs_->removeTab(i);
                w->deleteLater();
            }
        workspacePath_ = path;
        addRecent(path);
        watch(path);
    }
    navView_->setUpdatesEnabled(false);
    navModel_->setSnapshot(*snapshot_);
    for (int r = 0; r < navModel_->rowCount(); ++r) {
        const QModelIndex g = navModel_->index(r, 0);
        const QString key = g.data(NavigatorModel::GroupRole).toString();
        if (firstLoad ? navModel_->rowCount(g) > 0 : expanded.contains(key)) navView_->expand(g);
    }
    if (selected.valid()) {
        const QModelIndex i = navModel_->indexOf(selected);
        if (i.isValid()) {
            suppressPreview_ = true;
            navView_->setCurrentIndex(i);
            suppressPreview_ = false;
        }
    }
    navView_->setUpdatesEnabled(true);
    // Open pages follow the new rows.
    for (int i = 0; i < tabs_->count(); ++i)
        if (auto* page = qobject_cast<DetailsPage*>(tabs_->widget(i))) page->show(*snapshot_, page->ref());
    for (StepForm* f : findChildren<StepForm*>()) f->setSnapshot(*snapshot_);
    updateTitle();
    if (firstLoad && !snapshot_->recoveredRuns.empty())
        statusBar()->showMessage(tr("%1 run(s) of processes that died were marked incomplete; they can be resumed")
                                     .arg(snapshot_->recoveredRuns.size()),
                                 15000);
    Q_EMIT workspaceLoaded(path);
}

void MainWindow::watch(const QString& path) {
    if (!watcher_->files().isEmpty()) watcher_->removePaths(watcher_->files());
    if (!watcher_->directories().isEmpty()) watcher_->removePaths(watcher_->directories());
    if (path.isEmpty()) return;
    QStringList files = {path};
    if (QFileInfo::exists(path + QStringLiteral("-wal"))) files << path + QStringLiteral("-wal");
    watcher_->addPaths(files);
    // The -wal file comes and goes; its directory tells when it appears.
    watcher_->addPath(QFileInfo(path).absolutePath());
}

void MainWindow::refresh() {
    if (!workspacePath_.isEmpty()) openWorkspace(workspacePath_);
}

void MainWindow::closeWorkspace() {
    if (workspacePath_.isEmpty()) return;
    for (int i = tabs_->count() - 1; i >= 0; --i)
        if (tabs_->widget(i) != startPage_) {
            QWidget* w = tabs_->widget(i);
            tabs_->removeTab(i);
            w->deleteLater();
        }
    watch({});
    workspacePath_.clear();
    snapshot_ = std::make_shared<StudySnapshot>();
    navModel_->clearSnapshot();
    tabs_->setCurrentWidget(startPage_);
    updateTitle();
}

void MainWindow::showDetailsFor(const ObjectRef& ref, bool pinned) {
    DetailsPage* page = nullptr;
    for (int i = 0; i < tabs_->count(); ++i)
        if (auto* p = qobject_cast<DetailsPage*>(tabs_->widget(i)); p && p->ref() == ref) page = p;
    if (!page && !pinned && preview_) page = preview_;
    if (!page) {
        page = new DetailsPage(tabs_);
        connect(page, &DetailsPage::resumeRequested, this, [this](qint64 id) { resumeRun(id); });
        tabs_->addTab(page, QString());
        if (!pinned) preview_ = page;
    }
    if (pinned && page == preview_) preview_ = nullptr;
    page->show(*snapshot_, ref);
    const int index = tabs_->indexOf(page);
    tabs_->setTabText(index, (page == preview_ ? QStringLiteral("◦ ") : QString()) + ref.key());
    tabs_->setTabToolTip(index, page == preview_ ? tr("Preview: follows the navigator's selection; double-click a row to keep a tab")
                                                 : ref.key());
    tabs_->setCurrentWidget(page);
}

bool MainWindow::openObject(const ObjectRef& ref) {
    if (!hasWorkspace()) {
        showError(tr("No workspace"), tr("open a workspace before opening %1").arg(ref.key()));
        return false;
    }
    if (!navModel_->indexOf(ref).isValid()) {
        showError(tr("Not found"), tr("%1 is not in %2").arg(ref.key(), workspacePath_));
        return false;
    }
    // The navigator follows: the opened object's row is the current one (without re-opening it as a preview).
    suppressPreview_ = true;
    const QModelIndex row = navModel_->indexOf(ref);
    navView_->setCurrentIndex(row);
    navView_->scrollTo(row);
    suppressPreview_ = false;
    // An attribution run, or one of its score matrices, opens the heatmap; everything else its details.
    qint64 heatmapRun = 0, heatmapScores = 0;
    if (ref.kind == QLatin1String("run")) {
        if (const auto* r = snapshot_->run(ref.id); r && r->kind == "attribution") heatmapRun = ref.id;
    } else if (ref.kind == QLatin1String("scores")) {
        if (const auto* s = snapshot_->scoresRow(ref.id)) {
            heatmapRun = s->runId;
            heatmapScores = s->id;
        }
    }
    if (heatmapRun != 0) {
        for (int i = 0; i < tabs_->count(); ++i)
            if (auto* h = qobject_cast<HeatmapPage*>(tabs_->widget(i)); h && h->runId() == heatmapRun) {
                tabs_->setCurrentIndex(i);
                if (heatmapScores) h->setCurrentScores(heatmapScores);
                QTimer::singleShot(0, this, [this, ref] { Q_EMIT viewReady(ref); });
                return true;
            }
        auto* page = new HeatmapPage(this, heatmapRun, heatmapScores);
        connect(page, &HeatmapPage::ready, this, [this, ref] { Q_EMIT viewReady(ref); });
        const int i = tabs_->addTab(page, tr("heatmap · run %1").arg(heatmapRun));
        tabs_->setTabToolTip(i, tr("Attribution run %1: every MLP neuron, the mask, the threshold panel and the inspector").arg(heatmapRun));
        tabs_->setCurrentIndex(i);
        return true;
    }
    // An eval run opens the example browser; a compare run (or its comparison) the comparison view.
    qint64 evalRun = 0, compareRun = 0;
    if (ref.kind == QLatin1String("run")) {
        if (const auto* r = snapshot_->run(ref.id)) {
            if (r->kind == "eval" && r->status == workspace::RunStatus::Completed) evalRun = ref.id;
            if (r->kind == "compare" && r->status == workspace::RunStatus::Completed) compareRun = ref.id;
        }
    } else if (ref.kind == QLatin1String("comparison")) {
        for (const auto& c : snapshot_->comparisons)
            if (c.id == ref.id) compareRun = c.runId;
    }
    if (evalRun != 0) {
        openExampleBrowser(evalRun, std::nullopt);
        if (auto* b = qobject_cast<ExampleBrowser*>(tabs_->currentWidget())) {
            if (b->loaded()) QTimer::singleShot(0, this, [this, ref] { Q_EMIT viewReady(ref); });
            else connect(b, &ExampleBrowser::ready, this, [this, ref] { Q_EMIT viewReady(ref); }, Qt::SingleShotConnection);
        }
        return true;
    }
    if (compareRun != 0) {
        for (int i = 0; i < tabs_->count(); ++i)
            if (auto* c = qobject_cast<ComparisonPage*>(tabs_->widget(i)); c && c->runId() == compareRun) {
                tabs_->setCurrentIndex(i);
                QTimer::singleShot(0, this, [this, ref] { Q_EMIT viewReady(ref); });
                return true;
            }
        auto* page = new ComparisonPage(this, compareRun);
        connect(page, &ComparisonPage::ready, this, [this, ref] { Q_EMIT viewReady(ref); }, Qt::SingleShotConnection);
        connect(page, &ComparisonPage::openFlipped, this, [this](qint64 a, qint64 b) { openExampleBrowser(a, b); });
        const int i = tabs_->addTab(page, tr("comparison · run %1").arg(compareRun));
        tabs_->setTabToolTip(i, tr("Compare run %1: every condition on every benchmark with its 95% interval").arg(compareRun));
        tabs_->setCurrentIndex(i);
        return true;
    }
    showDetailsFor(ref, true);
    // Details pages render from the snapshot at once; heavier views emit this when their job ends.
    QTimer::singleShot(0, this, [this, ref] { Q_EMIT viewReady(ref); });
    return true;
}

ExampleBrowser* MainWindow::openExampleBrowser(qint64 evalRun, std::optional<qint64> compareRun) {
    ExampleBrowser* browser = nullptr;
    for (int i = 0; i < tabs_->count(); ++i)
        if (auto* b = qobject_cast<ExampleBrowser*>(tabs_->widget(i)); b && b->runId() == evalRun) {
            tabs_->setCurrentIndex(i);
            browser = b;
        }
    if (!browser) {
        browser = new ExampleBrowser(this, evalRun);
        const int i = tabs_->addTab(browser, tr("items · run %1").arg(evalRun));
        tabs_->setTabToolTip(i, tr("Eval run %1's items: filter, sort, read the prompts, compare with another run, make a selection").arg(evalRun));
        tabs_->setCurrentIndex(i);
    }
    if (compareRun) {
        browser->setCompareRun(*compareRun);
        browser->setFlipFilter(workspace::FlipFilter::Either);
    }
    return browser;
}

void MainWindow::openExportDialog(std::optional<qint64> maskId, const QString& neurons, const QString& modelDir) {
    if (!hasWorkspace()) {
        showError(tr("No workspace"), tr("open a workspace before exporting"));
        return;
    }
    auto* dialog = new ExportDialog(this, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (maskId) dialog->setMask(*maskId);
    if (!neurons.isEmpty()) dialog->setNeurons(neurons);
    if (!modelDir.isEmpty()) dialog->setModelDir(modelDir);
    dialog->show();
}

StepForm* MainWindow::openForm(const QString& name) {
    for (int i = 0; i < tabs_->count(); ++i)
        if (auto* f = qobject_cast<StepForm*>(tabs_->widget(i)); f && f->name() == name) {
            tabs_->setCurrentIndex(i);
            return f;
        }
    StepForm* form = createStepForm(name, this);
    if (!form) return nullptr;
    form->setSnapshot(*snapshot_);
    tabs_->addTab(form, form->title());
    tabs_->setCurrentWidget(form);
    return form;
}

int MainWindow::runShortcutLab(const QString& workspacePath) {
    StepForm* form = openForm(QStringLiteral("demo"));
    if (!form) return 0;
    if (!workspacePath.isEmpty()) form->setValue(QStringLiteral("workspace"), workspacePath);
    return form->run();
}

int MainWindow::resumeRun(qint64 runId) {
    JobSpec spec = resumeAttributionJob(workspacePath_, runId);
    return runner_->start(std::move(spec), {}, [this, runId](const QString& e) {
        showError(tr("Resume of run %1 failed").arg(runId), e);
    });
}

void MainWindow::onJobFinished(int id) {
    const JobRecord* j = runner_->job(id);
    if (!j || !j->spec.visible) return;
    if (!j->spec.workspacePath.isEmpty() && j->spec.workspacePath == workspacePath_) refresh();
    if (j->state == JobState::Failed)
        showError(tr("%1 failed").arg(j->spec.title), j->error);
    else
        statusBar()->showMessage(tr("%1: %2 (%3)").arg(j->spec.title, jobStateName(j->state), formatDuration(j->elapsedMs)),
                                 8000);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    const int active = runner_->activeCount();
    if (active > 0 && confirmClose_) {
        const auto answer = QMessageBox::question(
            this, tr("Jobs are running"),
            tr("%n job(s) are still running. Cancel them and quit? Finished items stay in the workspace and "
               "cancelled runs can be resumed.",
               nullptr, active),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
    }
    runner_->cancelAll();
    statusBar()->showMessage(tr("Cancelling jobs…"));
    runner_->waitForAll();
    saveSettings();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile() && url.toLocalFile().endsWith(QLatin1String(".prominence"))) {
            event->acceptProposedAction();
            return;
        }
}

void MainWindow::dropEvent(QDropEvent* event) {
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile() && url.toLocalFile().endsWith(QLatin1String(".prominence"))) {
            openWorkspace(url.toLocalFile());
            event->acceptProposedAction();
            return;
        }
}

}  // namespace prominence::ui
