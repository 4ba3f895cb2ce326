#include "ui/views/histogram_plot.h"

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include <qcustomplot.h>

namespace prominence::ui {

std::vector<int> histogramCounts(const std::vector<double>& values, double lo, double hi, int bins) {
    std::vector<int> counts(static_cast<std::size_t>(std::max(bins, 1)), 0);
    const double width = (hi - lo) / static_cast<double>(counts.size());
    for (double v : values) {
        if (!std::isfinite(v)) continue;
        int b = width > 0 ? static_cast<int>(std::floor((v - lo) / width)) : 0;
        b = std::clamp(b, 0, static_cast<int>(counts.size()) - 1);
        ++counts[static_cast<std::size_t>(b)];
    }
    return counts;
}

HistogramPlot::HistogramPlot(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(this);
    plot_->setNoAntialiasingOnDrag(true);
    plot_->legend->setVisible(true);
    plot_->legend->setFont(font());
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    // See-through, so bars under the legend stay readable.
    plot_->legend->setBrush(QColor(255, 255, 255, 170));
    plot_->legend->setBorderPen(QPen(QColor(0, 0, 0, 90)));
    layout->addWidget(plot_);
    marker_ = new QCPItemStraightLine(plot_);
    marker_->setPen(QPen(QColor(0x33, 0x33, 0x33), 1.5, Qt::DashLine));
    marker_->setVisible(false);
}

void HistogramPlot::setAxisLabels(const QString& x, const QString& y) {
    plot_->xAxis->setLabel(x);
    plot_->yAxis->setLabel(y);
}

void HistogramPlot::setSeries(const std::vector<HistogramSeries>& series, double lo, double hi, int bins) {
    plot_->clearPlottables();
    counts_.clear();
    const double width = (hi - lo) / bins;
    QVector<double> keys;
    for (int b = 0; b < bins; ++b) keys << lo + (b + 0.5) * width;
    QCPBars* below = nullptr;
    double top = 0;
    std::vector<int> stacked(static_cast<std::size_t>(bins), 0);
    for (const HistogramSeries& s : series) {
        const std::vector<int> c = histogramCounts(s.values, lo, hi, bins);
        counts_.push_back(c);
        auto* bars = new QCPBars(plot_->xAxis, plot_->yAxis);
        bars->setName(QStringLiteral("%1 (%2)").arg(s.name).arg(s.values.size()));
        bars->setWidth(width * 0.92);
        bars->setPen(Qt::NoPen);
        bars->setBrush(s.color);
        QVector<double> heights;
        for (int b = 0; b < bins; ++b) {
            heights << c[static_cast<std::size_t>(b)];
            stacked[static_cast<std::size_t>(b)] += c[static_cast<std::size_t>(b)];
            top = std::max(top, static_cast<double>(stacked[static_cast<std::size_t>(b)]));
        }
        bars->setData(keys, heights, true);
        if (below) bars->moveAbove(below);
        below = bars;
    }
    plot_->xAxis->setRange(lo, hi);
    plot_->yAxis->setRange(0, std::max(1.0, top * 1.08));
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void HistogramPlot::setMarker(std::optional<double> x) {
    marker_->setVisible(x.has_value());
    if (x) {
        marker_->point1->setCoords(*x, 0);
        marker_->point2->setCoords(*x, 1);
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

BarPlot::BarPlot(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(this);
    layout->addWidget(plot_);
}

void BarPlot::setBars(const QStringList& labels, const std::vector<double>& values, const QString& xLabel, const QString& yLabel) {
    values_ = values;
    plot_->clearPlottables();
    auto* bars = new QCPBars(plot_->xAxis, plot_->yAxis);
    bars->setPen(Qt::NoPen);
    bars->setBrush(QColor(0x1b, 0x9e, 0x77));
    QVector<double> keys, heights;
    double top = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        keys << static_cast<double>(i);
        heights << values[i];
        top = std::max(top, values[i]);
    }
    bars->setData(keys, heights, true);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (int i = 0; i < labels.size(); ++i) ticker->addTick(i, labels[i]);
    plot_->xAxis->setTicker(ticker);
    plot_->xAxis->setLabel(xLabel);
    plot_->yAxis->setLabel(yLabel);
    plot_->xAxis->setRange(-0.6, std::max<double>(1, static_cast<double>(values.size())) - 0.4);
    plot_->yAxis->setRange(0, std::max(1.0, top * 1.15));
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace prominence::ui
