#include "ui/main_window.h"

#include <QApplication>
#include <QFormLayout>
#include <QGroupBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QVBoxLayout>

#include "core/common/version.h"
#include "core/system/runtime.h"

namespace prominence::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(versionText());
    setWindowIcon(QIcon(QStringLiteral(":/icons/prominence.svg")));

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(24, 24, 24, 24);
    layout->setSpacing(16);

    title_ = new QLabel(versionText(), central);
    title_->setObjectName(QStringLiteral("titleLabel"));
    QFont f = title_->font();
    f.setPointSizeF(f.pointSizeF() * 1.8);
    f.setBold(true);
    title_->setFont(f);
    layout->addWidget(title_);

    auto* blurb = new QLabel(
        tr("Score every MLP neuron of a transformer with Integrated Gradients on its high-confidence "
           "multiple-choice answers, find the neurons that matter for one dataset but not for others, prune "
           "them, fine-tune with the mask held, and compare accuracy in-domain and on transfer benchmarks."),
        central);
    blurb->setWordWrap(true);
    layout->addWidget(blurb);
    layout->addWidget(buildSystemPanel());
    layout->addStretch(1);
    setCentralWidget(central);

    buildMenus();
    const QString warning = QString::fromStdString(blasWarning(detectBlas()));
    statusBar()->showMessage(warning.isEmpty() ? tr("Ready") : warning);
    resize(900, 600);
}

QString MainWindow::versionText() const {
    return QStringLiteral("%1 %2").arg(QString::fromUtf8(kName), QString::fromUtf8(kVersion));
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::quit);
    quit->setShortcut(QKeySequence::Quit);
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Prominence"), this, [this] {
        QMessageBox::about(this, tr("About Prominence"),
                           tr("<b>%1</b><br>Prominent-but-detrimental neuron finder and pruner.")
                               .arg(versionText().toHtmlEscaped()));
    });
}

QWidget* MainWindow::buildSystemPanel() {
    auto* box = new QGroupBox(tr("Runtime"), this);
    box->setObjectName(QStringLiteral("runtimePanel"));
    auto* form = new QFormLayout(box);
    const QJsonObject sys =
        QJsonDocument::fromJson(QByteArray::fromStdString(systemReportJson())).object();
    const QJsonObject threads = sys.value(QStringLiteral("threads")).toObject();
    const QJsonObject blas = sys.value(QStringLiteral("blas")).toObject();
    QStringList devices;
    for (const auto& d : sys.value(QStringLiteral("devices")).toArray()) devices << d.toString();
    form->addRow(tr("LibTorch"), new QLabel(sys.value(QStringLiteral("libtorch_version")).toString(), box));
    form->addRow(tr("Threads"),
                 new QLabel(tr("%1 LibTorch intra-op, %2 BLAS, %3 cores")
                                .arg(threads.value(QStringLiteral("intra_op")).toInt())
                                .arg(threads.value(QStringLiteral("blas")).toInt())
                                .arg(sys.value(QStringLiteral("cores")).toInt()),
                            box));
    auto* blasLabel = new QLabel(QStringLiteral("%1 — %2").arg(blas.value(QStringLiteral("name")).toString(),
                                                               blas.value(QStringLiteral("library")).toString()),
                                 box);
    blasLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("BLAS"), blasLabel);
    form->addRow(tr("Devices"), new QLabel(devices.join(QStringLiteral(", ")), box));
    return box;
}

}  // namespace prominence::ui
