#include "ui/views/start_page.h"

#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

#include "core/system/runtime.h"

namespace prominence::ui {

namespace {

QJsonObject systemReport() {
    return QJsonDocument::fromJson(QByteArray::fromStdString(systemReportJson())).object();
}

QString threadsText(const QJsonObject& sys) {
    const QJsonObject threads = sys.value(QStringLiteral("threads")).toObject();
    return QObject::tr("%1 LibTorch intra-op, %2 BLAS, %3 cores")
        .arg(threads.value(QStringLiteral("intra_op")).toInt())
        .arg(threads.value(QStringLiteral("blas")).toInt())
        .arg(sys.value(QStringLiteral("cores")).toInt());
}

QString devicesText(const QJsonObject& sys) {
    QStringList devices;
    for (const auto& d : sys.value(QStringLiteral("devices")).toArray()) devices << d.toString();
    return devices.join(QStringLiteral(", "));
}

}  // namespace

QWidget* makeRuntimePanel(QWidget* parent) {
    auto* box = new QGroupBox(QObject::tr("Runtime"), parent);
    box->setObjectName(QStringLiteral("runtimePanel"));
    auto* form = new QFormLayout(box);
    const QJsonObject sys = systemReport();
    const QJsonObject blas = sys.value(QStringLiteral("blas")).toObject();
    form->addRow(QObject::tr("LibTorch"), new QLabel(sys.value(QStringLiteral("libtorch_version")).toString(), box));
    form->addRow(QObject::tr("Threads"), new QLabel(threadsText(sys), box));
    auto* blasLabel = new QLabel(QStringLiteral("%1 — %2").arg(blas.value(QStringLiteral("name")).toString(),
                                                               blas.value(QStringLiteral("library")).toString()),
                                 box);
    blasLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    blasLabel->setWordWrap(true);
    form->addRow(QObject::tr("BLAS"), blasLabel);
    form->addRow(QObject::tr("Devices"), new QLabel(devicesText(sys), box));
    return box;
}

QString runtimeSummaryHtml() {
    const QJsonObject sys = systemReport();
    const QJsonObject blas = sys.value(QStringLiteral("blas")).toObject();
    return QStringLiteral("<table><tr><td>LibTorch</td><td>%1</td></tr><tr><td>Threads</td><td>%2</td></tr>"
                          "<tr><td>BLAS</td><td>%3 — %4</td></tr><tr><td>Devices</td><td>%5</td></tr></table>")
        .arg(sys.value(QStringLiteral("libtorch_version")).toString().toHtmlEscaped(), threadsText(sys).toHtmlEscaped(),
             blas.value(QStringLiteral("name")).toString().toHtmlEscaped(),
             blas.value(QStringLiteral("library")).toString().toHtmlEscaped(), devicesText(sys).toHtmlEscaped());
}

StartPage::StartPage(const QString& title, QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("startPage"));
    // Scrolls rather than imposing its height on the window (the tab widget's minimum is its largest page's).
    auto* top = new QVBoxLayout(this);
    top->setContentsMargins(0, 0, 0, 0);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    top->addWidget(scroll);
    auto* page = new QWidget(scroll);
    scroll->setWidget(page);
    auto* outer = new QHBoxLayout(page);
    outer->addStretch(1);
    auto* column = new QWidget(page);
    column->setMaximumWidth(860);
    auto* layout = new QVBoxLayout(column);
    layout->setContentsMargins(24, 24, 24, 24);
    layout->setSpacing(14);

    auto* heading = new QLabel(title, column);
    heading->setObjectName(QStringLiteral("titleLabel"));
    QFont f = heading->font();
    f.setPointSizeF(f.pointSizeF() * 1.8);
    f.setBold(true);
    heading->setFont(f);
    layout->addWidget(heading);

    auto* blurb = new QLabel(
        tr("Score every MLP neuron of a transformer with Integrated Gradients on its high-confidence "
           "multiple-choice answers, find the neurons that matter for one dataset but not for others, prune "
           "them, fine-tune with the mask held, and compare accuracy in-domain and on transfer benchmarks."),
        column);
    blurb->setWordWrap(true);
    layout->addWidget(blurb);

    auto* labBox = new QGroupBox(tr("Start here"), column);
    auto* labLayout = new QVBoxLayout(labBox);
    auto* lab = new QPushButton(tr("Open the Shortcut Lab"), labBox);
    lab->setObjectName(QStringLiteral("shortcutLabButton"));
    lab->setToolTip(tr("Runs `prominence-cli demo` as a job: a small model with a planted shortcut, the whole method "
                       "against every baseline, then opens its workspace (minutes the first time, faster once the lab "
                       "model is cached)"));
    QFont lf = lab->font();
    lf.setBold(true);
    lab->setFont(lf);
    lab->setMinimumHeight(36);
    labLayout->addWidget(lab);
    auto* labText = new QLabel(tr("The built-in lab knows where its shortcut lives, so you can check that the method "
                                  "finds it before you trust it on your own model."),
                               labBox);
    labText->setWordWrap(true);
    labLayout->addWidget(labText);
    layout->addWidget(labBox);

    auto* wsBox = new QGroupBox(tr("Workspaces"), column);
    auto* wsLayout = new QVBoxLayout(wsBox);
    auto* row = new QHBoxLayout;
    auto* newButton = new QPushButton(tr("New workspace…"), wsBox);
    newButton->setObjectName(QStringLiteral("newWorkspaceButton"));
    newButton->setToolTip(tr("Create an empty .prominence file (Ctrl+N)"));
    auto* openButton = new QPushButton(tr("Open workspace…"), wsBox);
    openButton->setObjectName(QStringLiteral("openWorkspaceButton"));
    openButton->setToolTip(tr("Open a .prominence file, e.g. one the CLI wrote (Ctrl+O); you can also drop it here"));
    row->addWidget(newButton);
    row->addWidget(openButton);
    row->addStretch(1);
    wsLayout->addLayout(row);
    wsLayout->addWidget(new QLabel(tr("Recent:"), wsBox));
    recent_ = new QListWidget(wsBox);
    recent_->setObjectName(QStringLiteral("recentList"));
    recent_->setToolTip(tr("Double-click or press Enter to open"));
    recent_->setMaximumHeight(120);
    wsLayout->addWidget(recent_);
    layout->addWidget(wsBox);

    layout->addWidget(makeRuntimePanel(column));
    layout->addStretch(1);
    outer->addWidget(column, 4);
    outer->addStretch(1);

    connect(lab, &QPushButton::clicked, this, &StartPage::shortcutLabRequested);
    connect(newButton, &QPushButton::clicked, this, &StartPage::newRequested);
    connect(openButton, &QPushButton::clicked, this, &StartPage::openRequested);
    connect(recent_, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { Q_EMIT recentRequested(item->data(Qt::UserRole).toString()); });
}

void StartPage::setRecentFiles(const QStringList& files) {
    recent_->clear();
    for (const QString& f : files) {
        auto* item = new QListWidgetItem(QStringLiteral("%1 — %2").arg(QFileInfo(f).fileName(), QFileInfo(f).absolutePath()), recent_);
        item->setData(Qt::UserRole, f);
        item->setToolTip(f);
    }
    if (files.isEmpty()) {
        auto* item = new QListWidgetItem(tr("(none yet)"), recent_);
        item->setFlags(Qt::NoItemFlags);
    }
}

}  // namespace prominence::ui
