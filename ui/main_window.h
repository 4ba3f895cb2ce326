#pragma once
#include <QMainWindow>

class QLabel;

namespace prominence::ui {

// The application's main window. For now it shows who it is and what it runs on (LibTorch, threads,
// BLAS, devices); the workflow panels grow into it as core gains each capability.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

    QString versionText() const;

private:
    void buildMenus();
    QWidget* buildSystemPanel();

    QLabel* title_ = nullptr;
};

}  // namespace prominence::ui
