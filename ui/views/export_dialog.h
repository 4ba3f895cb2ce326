#pragma once
// The export dialog: the model with a mask removed by weight surgery (shapes kept, as `prominence-cli
// export` does), a stored mask or the neurons given (the mask being edited), sharding and dtype, the
// output directory; it runs study::runExport as a job, then reloads the exported directory and
// compares its logits with the source model under the mask on a few items of a benchmark
// (study::checkExport), showing the largest difference. The export's row appears in the navigator
// when the job's workspace refresh lands. Self-contained: it reads the window's snapshot for its
// pickers and follows workspace reloads.
#include <QDialog>

#include <nlohmann/json.hpp>

#include "core/study/export_step.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace prominence::ui {

class MainWindow;

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    ExportDialog(MainWindow* window, QWidget* parent = nullptr);

    // Preselects a stored mask (and, when the field is empty, its model); false when it is not stored.
    bool setMask(qint64 maskId);
    // Uses these neurons ("L:N[,L:N...]", e.g. the heatmap's current mask) instead of a stored mask.
    void setNeurons(const QString& neurons);
    void setModelDir(const QString& dir);
    void setOutputDir(const QString& dir);
    void setShardMegabytes(int mb);
    void setDtype(const QString& dtype);
    void setOverwrite(bool on);
    // The benchmark whose first items the check runs (a registered benchmark's path, or any file);
    // empty: no check.
    void setCheckBenchmark(const QString& path);
    void setCheckItems(int n);

    // The parameters as the form holds them; InvalidArgument / ParamsError with what is missing.
    study::ExportParams params() const;
    QString commandText() const;
    // Starts the export job; its id, or 0 with the error on the status line.
    int run();
    int lastJob() const { return lastJob_; }
    const nlohmann::json& lastResult() const { return lastResult_; }  // {"export": ..., "check": ...}
    QString resultText() const;
    QString statusText() const;

Q_SIGNALS:
    void exportFinished(bool ok);

private:
    void fillPickers();
    void refresh();
    void setStatus(const QString& text, bool error = false);

    MainWindow* window_;
    QLineEdit* model_ = nullptr;
    QRadioButton* useStored_ = nullptr;
    QRadioButton* useNeurons_ = nullptr;
    QComboBox* mask_ = nullptr;
    QLineEdit* neurons_ = nullptr;
    QComboBox* comparison_ = nullptr;
    QSpinBox* shardMb_ = nullptr;
    QComboBox* dtype_ = nullptr;
    QLineEdit* output_ = nullptr;
    QCheckBox* overwrite_ = nullptr;
    QComboBox* checkBench_ = nullptr;
    QSpinBox* checkItems_ = nullptr;
    QLineEdit* command_ = nullptr;
    QLabel* status_ = nullptr;
    QPlainTextEdit* result_ = nullptr;
    QPushButton* exportButton_ = nullptr;
    int lastJob_ = 0;
    nlohmann::json lastResult_;
};

}  // namespace prominence::ui
