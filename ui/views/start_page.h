#pragma once
// The page a window without a workspace shows: what Prominence does, one click to something real
// (the Shortcut Lab), new / open / recent workspaces, and what the process runs on.
#include <QWidget>

class QListWidget;

namespace prominence::ui {

// The runtime panel (LibTorch, threads, BLAS, devices), shared with the About box.
QWidget* makeRuntimePanel(QWidget* parent);
QString runtimeSummaryHtml();

class StartPage : public QWidget {
    Q_OBJECT
public:
    explicit StartPage(const QString& title, QWidget* parent = nullptr);
    void setRecentFiles(const QStringList& files);

Q_SIGNALS:
    void shortcutLabRequested();
    void newRequested();
    void openRequested();
    void recentRequested(const QString& path);

private:
    QListWidget* recent_ = nullptr;
};

}  // namespace prominence::ui
