#include "ui/views/comparison_plot.h"

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

#include <qcustomplot.h>

#include "ui/plots/figure_export.h"

namespace prominence::ui {

namespace {

QCustomPlot* makePlot(QWidget* parent, QVBoxLayout* layout) {
    layout->setContentsMargins(0, 0, 0, 0);
    auto* plot = new QCustomPlot(parent);
    plot->legend->setVisible(true);
    QFont small = parent->font();
    plot->legend->setFont(small);
    plot->legend->setBrush(QColor(255, 255, 255, 220));
    layout->addWidget(plot);
    return plot;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

GroupedBarPlot::GroupedBarPlot(QWidget* parent) : QWidget(parent) {
    plot_ = makePlot(this, new QVBoxLayout(this));
    plot_->setObjectName(QStringLiteral("comparisonBarsPlot"));
    plot_->setMinimumHeight(260);
}

void GroupedBarPlot::setData(const QStringList& groups, const std::vector<BarSeries>& series, const QString& yLabel,
                             bool zeroLine, double yLo, double yHi) {
    plot_->clearPlottables();
    plot_->clearItems();
    bars_.clear();
    errors_.clear();
    groups_ = groups;
    auto* group = new QCPBarsGroup(plot_);
    group->setSpacingType(QCPBarsGroup::stAbsolute);
    group->setSpacing(1);
    const double width = 0.8 / std::max<std::size_t>(1, series.size());
    double lo = 0.0, hi = 0.0;
    for (const BarSeries& s : series) {
        auto* bars = new QCPBars(plot_->xAxis, plot_->yAxis);
        bars->setName(s.name);
        bars->setWidth(width);
        bars->setPen(QPen(s.color.darker(130)));
        bars->setBrush(s.color);
        bars->setBarsGroup(group);
        auto* err = new QCPErrorBars(plot_->xAxis, plot_->yAxis);
        err->removeFromLegend();
        err->setErrorType(QCPErrorBars::etValueError);
        err->setPen(QPen(QColor(0x22, 0x22, 0x22), 1.2));
        err->setWhiskerWidth(5);
        QVector<double> keys, values, minus, plus;
        for (int g = 0; g < groups.size(); ++g) {
            const double v = static_cast<std::size_t>(g) < s.values.size() ? s.values[static_cast<std::size_t>(g)] : kNaN;
            if (!std::isfinite(v)) continue;
            const double l = s.low.at(static_cast<std::size_t>(g)), h = s.high.at(static_cast<std::size_t>(g));
            keys << g;
            values << v;
            minus << v - l;
            plus << h - v;
            lo = std::min({lo, v, l});
            hi = std::max({hi, v, h});
        }
        bars->setData(keys, values, true);
        err->setDataPlottable(bars);
        err->setData(minus, plus);
        bars_.push_back(bars);
        errors_.push_back(err);
    }
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (int g = 0; g < groups.size(); ++g) ticker->addTick(g, groups[g]);
    plot_->xAxis->setTicker(ticker);
    plot_->xAxis->grid()->setZeroLinePen(Qt::NoPen);
    int longest = 0;
    for (const QString& g : groups) longest = std::max(longest, static_cast<int>(g.size()));
    // Labels that would collide under their group are tilted.
    plot_->xAxis->setTickLabelRotation(groups.size() * longest > 70 ? 25 : 0);
    plot_->xAxis->setSubTicks(false);
    plot_->xAxis->setTickLength(0, 4);
    plot_->xAxis->setRange(-0.6, std::max(1, static_cast<int>(groups.size())) - 0.4);
    plot_->yAxis->setLabel(yLabel);
    if (std::isfinite(yLo) && std::isfinite(yHi)) {
        plot_->yAxis->setRange(yLo, yHi);
    } else {
        const double pad = std::max((hi - lo) * 0.1, 0.01);
        plot_->yAxis->setRange(lo < 0 ? lo - pad : 0.0, hi + pad);
    }
    if (zeroLine) {
        auto* zero = new QCPItemStraightLine(plot_);
        zero->point1->setCoords(0, 0);
        zero->point2->setCoords(1, 0);
        zero->setPen(QPen(QColor(0x55, 0x55, 0x55), 1, Qt::DashLine));
    }
    plot_->legend->setVisible(!series.empty());
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

QString GroupedBarPlot::seriesName(int s) const {
    return s >= 0 && s < seriesCount() ? bars_[static_cast<std::size_t>(s)]->name() : QString();
}

double GroupedBarPlot::height(int s, int g) const {
    if (s < 0 || s >= seriesCount()) return kNaN;
    const QCPBars* b = bars_[static_cast<std::size_t>(s)];
    for (int i = 0; i < b->data()->size(); ++i)
        if (static_cast<int>(b->data()->at(i)->key) == g) return b->data()->at(i)->value;
    return kNaN;
}

std::pair<double, double> GroupedBarPlot::errorBar(int s, int g) const {
    if (s < 0 || s >= seriesCount()) return {kNaN, kNaN};
    const QCPBars* b = bars_[static_cast<std::size_t>(s)];
    const QCPErrorBars* e = errors_[static_cast<std::size_t>(s)];
    for (int i = 0; i < b->data()->size(); ++i)
        if (static_cast<int>(b->data()->at(i)->key) == g) {
            const double v = b->data()->at(i)->value;
            const QCPErrorBarsData& d = e->data()->at(i);
            return {v - d.errorMinus, v + d.errorPlus};
        }
    return {kNaN, kNaN};
}

bool GroupedBarPlot::saveFigure(const QString& path, QString* error) { return prominence::ui::saveFigure(plot_, path, std::max(plot_->width(), 640), std::max(plot_->height(), 400), QStringLiteral("Prominence comparison"), error); }

LineChart::LineChart(QWidget* parent) : QWidget(parent) {
    plot_ = makePlot(this, new QVBoxLayout(this));
    plot_->setObjectName(QStringLiteral("lineChartPlot"));
    plot_->setMinimumHeight(240);
}

void LineChart::setSeries(const std::vector<LineSeries>& series, const QString& xLabel, const QString& yLabel, double yLo,
                          double yHi) {
    series_ = series;
    plot_->clearGraphs();
    double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo;
    for (const LineSeries& s : series) {
        QCPGraph* g = plot_->addGraph();
        g->setName(s.name);
        g->setPen(QPen(s.color, 2, s.style));
        if (s.markers) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
        g->setData(QVector<double>(s.x.begin(), s.x.end()), QVector<double>(s.y.begin(), s.y.end()));
        for (double x : s.x) {
            xlo = std::min(xlo, x);
            xhi = std::max(xhi, x);
        }
    }
    if (!std::isfinite(xlo)) xlo = 0, xhi = 1;
    const double pad = std::max((xhi - xlo) * 0.04, 0.05);
    plot_->xAxis->setRange(xlo - pad, xhi + pad);
    plot_->yAxis->setRange(yLo, yHi);
    plot_->xAxis->setLabel(xLabel);
    plot_->yAxis->setLabel(yLabel);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

bool LineChart::saveFigure(const QString& path, QString* error) { return prominence::ui::saveFigure(plot_, path, std::max(plot_->width(), 640), std::max(plot_->height(), 400), QStringLiteral("Prominence comparison"), error); }

}  // namespace prominence::ui
