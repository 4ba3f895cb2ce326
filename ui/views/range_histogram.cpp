#include "ui/views/range_histogram.h"

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include <qcustomplot.h>

namespace prominence::ui {

namespace {

// Pixels from an edge within which a press grabs it.
constexpr double kGrab = 7.0;

QCPItemRect* shade(QCustomPlot* plot) {
    auto* r = new QCPItemRect(plot);
    r->setPen(Qt::NoPen);
    r->setBrush(QColor(120, 120, 120, 70));
    r->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
    r->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
    r->topLeft->setCoords(0, 0);
    r->bottomRight->setCoords(0, 1);
    r->setSelectable(false);
    return r;
}

QCPItemStraightLine* edge(QCustomPlot* plot) {
    auto* l = new QCPItemStraightLine(plot);
    l->setPen(QPen(QColor(0x22, 0x22, 0x22), 2.0));
    l->setSelectable(false);
    return l;
}

}  // namespace

RangeHistogram::RangeHistogram(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(this);
    plot_->setObjectName(QStringLiteral("rangeHistogramPlot"));
    plot_->setNoAntialiasingOnDrag(true);
    plot_->xAxis->setLabel(tr("p(correct) — drag the edges to filter"));
    plot_->yAxis->setLabel(tr("items"));
    plot_->xAxis->setRange(0, 1);
    plot_->legend->setVisible(true);
    plot_->legend->setFont(font());
    plot_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot_->legend->setBrush(QColor(255, 255, 255, 210));
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignHCenter);
    layout->addWidget(plot_);
    loShade_ = shade(plot_);
    hiShade_ = shade(plot_);
    loLine_ = edge(plot_);
    hiLine_ = edge(plot_);
    connect(plot_, &QCustomPlot::mousePress, this, &RangeHistogram::press);
    connect(plot_, &QCustomPlot::mouseMove, this, &RangeHistogram::move);
    connect(plot_, &QCustomPlot::mouseRelease, this, &RangeHistogram::release);
    setMouseTracking(true);
    plot_->setMouseTracking(true);
    place();
}

void RangeHistogram::setCounts(const std::vector<std::int64_t>& correct, const std::vector<std::int64_t>& wrong) {
    correct_ = correct;
    wrong_ = wrong;
    plot_->clearPlottables();
    const int bins = static_cast<int>(std::min(correct.size(), wrong.size()));
    if (bins == 0) {
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const double width = 1.0 / bins;
    QVector<double> keys, w, c;
    double top = 0;
    std::int64_t nc = 0, nw = 0;
    for (int b = 0; b < bins; ++b) {
        keys << (b + 0.5) * width;
        w << static_cast<double>(wrong[static_cast<std::size_t>(b)]);
        c << static_cast<double>(correct[static_cast<std::size_t>(b)]);
        nw += wrong[static_cast<std::size_t>(b)];
        nc += correct[static_cast<std::size_t>(b)];
        top = std::max(top, w.back() + c.back());
    }
    auto* wrongBars = new QCPBars(plot_->xAxis, plot_->yAxis);
    wrongBars->setName(tr("wrong (%1)").arg(nw));
    wrongBars->setBrush(QColor(0xd9, 0x5f, 0x02));
    wrongBars->setPen(Qt::NoPen);
    wrongBars->setWidth(width * 0.92);
    wrongBars->setData(keys, w, true);
    auto* correctBars = new QCPBars(plot_->xAxis, plot_->yAxis);
    correctBars->setName(tr("correct (%1)").arg(nc));
    correctBars->setBrush(QColor(0x1b, 0x9e, 0x77));
    correctBars->setPen(Qt::NoPen);
    correctBars->setWidth(width * 0.92);
    correctBars->setData(keys, c, true);
    correctBars->moveAbove(wrongBars);
    plot_->yAxis->setRange(0, std::max(1.0, top * 1.1));
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void RangeHistogram::setRange(double lo, double hi) {
    lo_ = std::clamp(lo, 0.0, 1.0);
    hi_ = std::clamp(hi, lo_, 1.0);
    place();
}

void RangeHistogram::place() {
    loLine_->point1->setCoords(lo_, 0);
    loLine_->point2->setCoords(lo_, 1);
    hiLine_->point1->setCoords(hi_, 0);
    hiLine_->point2->setCoords(hi_, 1);
    loShade_->topLeft->setCoords(-1, 0);
    loShade_->bottomRight->setCoords(lo_, 1);
    hiShade_->topLeft->setCoords(hi_, 0);
    hiShade_->bottomRight->setCoords(2, 1);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

int RangeHistogram::positionOf(double p) const {
    return plot_->mapTo(this, QPoint(static_cast<int>(std::lround(plot_->xAxis->coordToPixel(p))), 0)).x();
}

void RangeHistogram::press(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton) return;
    const double x = e->position().x();
    const double dLo = std::fabs(x - plot_->xAxis->coordToPixel(lo_));
    const double dHi = std::fabs(x - plot_->xAxis->coordToPixel(hi_));
    if (std::min(dLo, dHi) > kGrab) return;
    // Both edges at one place: grab the one that can move towards the press.
    dragging_ = dLo < dHi || (dLo == dHi && plot_->xAxis->pixelToCoord(x) < lo_) ? 1 : 2;
}

void RangeHistogram::move(QMouseEvent* e) {
    const double x = e->position().x();
    if (dragging_ == 0) {
        const bool near = std::min(std::fabs(x - plot_->xAxis->coordToPixel(lo_)), std::fabs(x - plot_->xAxis->coordToPixel(hi_))) <= kGrab;
        plot_->setCursor(near ? Qt::SizeHorCursor : Qt::ArrowCursor);
        return;
    }
    // Snap to 0.01: the spin boxes beside show two decimals' worth of steps.
    const double p = std::clamp(std::round(plot_->xAxis->pixelToCoord(x) * 100.0) / 100.0, 0.0, 1.0);
    if (dragging_ == 1) lo_ = std::min(p, hi_);
    else hi_ = std::max(p, lo_);
    place();
    Q_EMIT rangeChanged(lo_, hi_, false);
}

void RangeHistogram::release(QMouseEvent* e) {
    if (dragging_ == 0) return;
    move(e);
    dragging_ = 0;
    Q_EMIT rangeChanged(lo_, hi_, true);
}

}  // namespace prominence::ui
