#include "ui/views/loss_plot.h"

#include <QVBoxLayout>

#include <algorithm>

#include <qcustomplot.h>

#include "ui/plots/figure_export.h"

namespace prominence::ui {

namespace {

std::vector<std::pair<std::int64_t, double>> pointsOf(const QCPGraph* g) {
    std::vector<std::pair<std::int64_t, double>> out;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
        out.emplace_back(static_cast<std::int64_t>(it->key), it->value);
    return out;
}

}  // namespace

LossPlot::LossPlot(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(this);
    plot_->setObjectName(QStringLiteral("lossCustomPlot"));
    plot_->setMinimumHeight(220);
    plot_->xAxis->setLabel(tr("optimiser step"));
    plot_->yAxis->setLabel(tr("loss per scored token"));
    plot_->legend->setVisible(true);
    plot_->legend->setFont(font());
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    plot_->xAxis->setTicker(ticker);
    train_ = plot_->addGraph();
    train_->setName(tr("training loss"));
    train_->setPen(QPen(QColor(0x1f, 0x77, 0xb4), 2));
    train_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
    val_ = plot_->addGraph();
    val_->setName(tr("validation loss"));
    val_->setPen(QPen(QColor(0xd6, 0x27, 0x28), 2, Qt::DashLine));
    val_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, 7));
    layout->addWidget(plot_);
    rescale();
}

void LossPlot::clear() {
    train_->data()->clear();
    val_->data()->clear();
    rescale();
}

void LossPlot::addStep(std::int64_t step, double loss) {
    train_->addData(static_cast<double>(step), loss);
    rescale();
}

void LossPlot::addValidation(std::int64_t step, double loss) {
    val_->addData(static_cast<double>(step), loss);
    rescale();
}

std::vector<std::pair<std::int64_t, double>> LossPlot::steps() const { return pointsOf(train_); }
std::vector<std::pair<std::int64_t, double>> LossPlot::validation() const { return pointsOf(val_); }

void LossPlot::rescale() {
    bool any = false;
    double lo = 0, hi = 1, last = 1;
    for (const QCPGraph* g : {train_, val_})
        for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
            lo = any ? std::min(lo, it->value) : it->value;
            hi = any ? std::max(hi, it->value) : it->value;
            last = std::max(last, it->key);
            any = true;
        }
    const double pad = any ? std::max((hi - lo) * 0.08, 1e-3) : 0.0;
    plot_->xAxis->setRange(0.5, std::max(last, 1.0) + 0.5);
    plot_->yAxis->setRange(any ? std::max(0.0, lo - pad) : 0.0, any ? hi + pad : 1.0);
    val_->setVisible(!val_->data()->isEmpty());
    if (val_->data()->isEmpty()) val_->removeFromLegend();
    else val_->addToLegend();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

bool LossPlot::saveFigure(const QString& path, QString* error) { return prominence::ui::saveFigure(plot_, path, std::max(plot_->width(), 640), std::max(plot_->height(), 400), QStringLiteral("Fine-tuning loss"), error); }

}  // namespace prominence::ui
