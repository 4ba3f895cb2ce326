#include "ui/views/heatmap_plot.h"

#include "ui/plots/figure_export.h"

#include <QMouseEvent>
#include <QRubberBand>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include <qcustomplot.h>

namespace prominence::ui {

namespace {

QCPColorGradient gradientFor(const HeatmapStyle& style, double lo, double hi) {
    // Sampled from heatmapColor over the bar's linear value range, so the bar shows exactly the mapping
    // the map uses (symmetric-log included).
    QCPColorGradient g;
    g.clearColorStops();
    const int stops = 64;
    for (int i = 0; i <= stops; ++i) {
        const double t = static_cast<double>(i) / stops;
        g.setColorStopAt(t, heatmapColor(lo + (hi - lo) * t, style));
    }
    return g;
}

}  // namespace

HeatmapPlot::HeatmapPlot(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(this);
    plot_->setObjectName(QStringLiteral("heatmapCustomPlot"));
    layout->addWidget(plot_);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->axisRect()->setRangeDrag(Qt::Horizontal);
    plot_->axisRect()->setRangeZoom(Qt::Horizontal);
    plot_->yAxis->setRangeReversed(true);
    plot_->yAxis->setLabel(tr("layer"));
    plot_->xAxis->setLabel(tr("neuron"));
    plot_->yAxis->ticker()->setTickStepStrategy(QCPAxisTicker::tssReadability);
    QSharedPointer<QCPAxisTickerFixed> yTicks(new QCPAxisTickerFixed);
    yTicks->setTickStep(1.0);
    yTicks->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    plot_->yAxis->setTicker(yTicks);
    plot_->xAxis->grid()->setVisible(false);
    plot_->yAxis->grid()->setVisible(false);

    pixmap_ = new QCPItemPixmap(plot_);
    pixmap_->setScaled(true, Qt::IgnoreAspectRatio, Qt::FastTransformation);
    pixmap_->setClipToAxisRect(true);
    pixmap_->setLayer(QStringLiteral("background"));

    colourScale_ = new QCPColorScale(plot_);
    plot_->plotLayout()->addElement(0, 1, colourScale_);
    colourScale_->setType(QCPAxis::atRight);
    colourScale_->setBarWidth(14);
    auto* group = new QCPMarginGroup(plot_);
    plot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    colourScale_->setMarginGroup(QCP::msBottom | QCP::msTop, group);

    auto scatterGraph = [this](QCPScatterStyle style) {
        QCPGraph* g = plot_->addGraph();
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(style);
        g->setAdaptiveSampling(false);
        return g;
    };
    maskGraph_ = scatterGraph(QCPScatterStyle(QCPScatterStyle::ssSquare, QPen(QColor(0x11, 0x11, 0x11), 1.6), Qt::NoBrush, 8));
    previewGraph_ = scatterGraph(QCPScatterStyle(QCPScatterStyle::ssDisc, QPen(QColor(0x1b, 0x9e, 0x77)), QColor(0x1b, 0x9e, 0x77), 5));
    selectedGraph_ = scatterGraph(QCPScatterStyle(QCPScatterStyle::ssCrossSquare, QPen(QColor(0xff, 0x8c, 0x00), 2.0), Qt::NoBrush, 12));
    maskGraph_->setName(tr("in the mask"));
    previewGraph_->setName(tr("policy preview"));
    selectedGraph_->setName(tr("selected"));

    connect(plot_->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this](const QCPRange& r) {
        // Keep the view on the map; never narrower than one column.
        const double n = std::max(1, data_.neurons);
        QCPRange bounded = r;
        if (bounded.size() > n) bounded = QCPRange(0, n);
        if (bounded.lower < 0) bounded = QCPRange(0, bounded.size());
        if (bounded.upper > n) bounded = QCPRange(n - bounded.size(), n);
        if (bounded.size() < 1) bounded = QCPRange(bounded.lower, bounded.lower + 1);
        if (bounded != r) {
            plot_->xAxis->setRange(bounded);
            return;
        }
        rebuildImage();
        Q_EMIT viewChanged();
    });
    plot_->installEventFilter(this);
    plot_->setMouseTracking(true);
    band_ = new QRubberBand(QRubberBand::Rectangle, plot_);
    band_->hide();
}

void HeatmapPlot::setData(HeatmapData data) {
    data_ = std::move(data);
    inverse_.clear();
    if (!data_.order.empty()) {
        inverse_.assign(static_cast<std::size_t>(data_.layers), std::vector<int>(static_cast<std::size_t>(data_.neurons), 0));
        for (int l = 0; l < data_.layers; ++l)
            for (int c = 0; c < data_.neurons; ++c)
                inverse_[static_cast<std::size_t>(l)][static_cast<std::size_t>(data_.order[static_cast<std::size_t>(l)][static_cast<std::size_t>(c)])] = c;
    }
    plot_->yAxis->setRange(-0.5, std::max(1, data_.layers) - 0.5);
    plot_->xAxis->setLabel(data_.order.empty() ? tr("neuron") : tr("neuron, by score within its layer (hover names it)"));
    const auto [first, last] = visibleColumns();
    if (last <= first || last > data_.neurons || (first == 0 && last <= 5)) plot_->xAxis->setRange(0, std::max(1, data_.neurons));
    rebuildImage();
    updateOverlays();
}

void HeatmapPlot::setStyle(const HeatmapStyle& style, const QString& colourLabel) {
    style_ = style;
    const double top = std::max(std::fabs(style.lo), std::fabs(style.hi));
    const double lo = style.diverging ? -top : style.lo;
    const double hi = style.diverging ? top : style.hi;
    colourScale_->setGradient(gradientFor(style_, lo, hi));
    colourScale_->setDataRange(QCPRange(lo, hi));
    colourScale_->axis()->setLabel(colourLabel);
    rebuildImage();
}

void HeatmapPlot::setMask(const std::set<NeuronKey>& mask) {
    mask_ = mask;
    updateOverlays();
}

void HeatmapPlot::setPreview(const std::set<NeuronKey>& preview) {
    preview_ = preview;
    updateOverlays();
}

void HeatmapPlot::setSelected(int layer, std::int64_t neuron) {
    selected_ = {layer, neuron};
    updateOverlays();
}

int HeatmapPlot::displayColumn(int layer, std::int64_t neuron) const {
    if (inverse_.empty()) return static_cast<int>(neuron);
    return inverse_[static_cast<std::size_t>(layer)][static_cast<std::size_t>(neuron)];
}

void HeatmapPlot::rebuildImage() {
    if (data_.layers == 0 || data_.neurons == 0) return;
    const QCPRange r = plot_->xAxis->range();
    const int first = std::clamp(static_cast<int>(std::floor(r.lower)), 0, data_.neurons - 1);
    const int last = std::clamp(static_cast<int>(std::ceil(r.upper)), first + 1, data_.neurons);
    // One image pixel per screen pixel of the columns drawn, so the scaling drops none.
    const double span = plot_->xAxis->coordToPixel(last) - plot_->xAxis->coordToPixel(first);
    const int width = std::clamp(static_cast<int>(std::lround(std::fabs(span))), 1, 4 * std::max(1, plot_->axisRect()->width()));
    image_ = renderHeatmap(data_, first, last, width, style_);
    imageFirst_ = first;
    imageLast_ = last;
    pixmap_->topLeft->setCoords(first, -0.5);
    pixmap_->bottomRight->setCoords(last, data_.layers - 0.5);
    pixmap_->setPixmap(QPixmap::fromImage(image_));
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void HeatmapPlot::updateOverlays() {
    auto fill = [this](QCPGraph* g, const std::set<NeuronKey>& keys) {
        QVector<double> x, y;
        for (const auto& [l, n] : keys) {
            if (l < 0 || l >= data_.layers || n < 0 || n >= data_.neurons) continue;
            x << displayColumn(l, n) + 0.5;
            y << l;
        }
        g->setData(x, y, false);
    };
    fill(maskGraph_, mask_);
    fill(previewGraph_, preview_);
    std::set<NeuronKey> sel;
    if (selected_.first >= 0) sel.insert(selected_);
    fill(selectedGraph_, sel);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

std::pair<double, double> HeatmapPlot::visibleColumns() const {
    return {plot_->xAxis->range().lower, plot_->xAxis->range().upper};
}

void HeatmapPlot::setVisibleColumns(double first, double last) {
    plot_->xAxis->setRange(first, last);
}

void HeatmapPlot::resetView() { plot_->xAxis->setRange(0, std::max(1, data_.neurons)); }

void HeatmapPlot::goTo(int layer, std::int64_t neuron) {
    if (layer < 0 || layer >= data_.layers || neuron < 0 || neuron >= data_.neurons) return;
    const double c = displayColumn(layer, neuron) + 0.5;
    const double span = std::min<double>(data_.neurons, std::max(64.0, std::min(plot_->xAxis->range().size(), 512.0)));
    plot_->xAxis->setRange(c - span / 2, c + span / 2);
    setSelected(layer, neuron);
}

NeuronKey HeatmapPlot::neuronAt(const QPoint& pos) const {
    if (data_.layers == 0 || image_.isNull()) return {-1, -1};
    const QRect area = plot_->axisRect()->rect();
    const QPoint p = plot_->mapFrom(this, pos);
    if (!area.contains(p)) return {-1, -1};
    const int layer = static_cast<int>(std::lround(plot_->yAxis->pixelToCoord(p.y())));
    if (layer < 0 || layer >= data_.layers) return {-1, -1};
    // The image's pixel under the cursor, and the column that pixel shows.
    const double coord = plot_->xAxis->pixelToCoord(p.x());
    const int px = static_cast<int>(std::floor((coord - imageFirst_) / (imageLast_ - imageFirst_) * image_.width()));
    const int column = pooledColumn(data_, layer, static_cast<int>(imageFirst_), static_cast<int>(imageLast_), image_.width(), px);
    if (column < 0) return {-1, -1};
    return {layer, data_.neuronAt(layer, column)};
}

QPoint HeatmapPlot::positionOf(int layer, std::int64_t neuron) const {
    const double x = plot_->xAxis->coordToPixel(displayColumn(layer, neuron) + 0.5);
    const double y = plot_->yAxis->coordToPixel(layer);
    return plot_->mapTo(this, QPoint(static_cast<int>(std::lround(x)), static_cast<int>(std::lround(y))));
}

std::set<NeuronKey> HeatmapPlot::neuronsIn(const QRect& widgetRect) const {
    std::set<NeuronKey> out;
    if (data_.layers == 0) return out;
    const QRect r = QRect(plot_->mapFrom(this, widgetRect.topLeft()), plot_->mapFrom(this, widgetRect.bottomRight())).normalized();
    const double x0 = plot_->xAxis->pixelToCoord(r.left()), x1 = plot_->xAxis->pixelToCoord(r.right());
    const double y0 = plot_->yAxis->pixelToCoord(r.top()), y1 = plot_->yAxis->pixelToCoord(r.bottom());
    const int c0 = std::max(0, static_cast<int>(std::floor(std::min(x0, x1))));
    const int c1 = std::min(data_.neurons - 1, static_cast<int>(std::floor(std::max(x0, x1))));
    const int l0 = std::max(0, static_cast<int>(std::lround(std::min(y0, y1))));
    const int l1 = std::min(data_.layers - 1, static_cast<int>(std::lround(std::max(y0, y1))));
    for (int l = l0; l <= l1; ++l)
        for (int c = c0; c <= c1; ++c) out.insert({l, data_.neuronAt(l, c)});
    return out;
}

bool HeatmapPlot::eventFilter(QObject* watched, QEvent* event) {
    if (watched != plot_) return QWidget::eventFilter(watched, event);
    switch (event->type()) {
    case QEvent::MouseButtonPress: {
        auto* e = static_cast<QMouseEvent*>(event);
        if (e->button() != Qt::LeftButton) break;
        dragStart_ = e->pos();
        dragMods_ = e->modifiers();
        dragging_ = false;
        if (dragMods_ & (Qt::ShiftModifier | Qt::ControlModifier)) {
            band_->setGeometry(QRect(dragStart_, QSize()));
            band_->show();
            return true;  // no pan while drawing a rectangle
        }
        break;
    }
    case QEvent::MouseMove: {
        auto* e = static_cast<QMouseEvent*>(event);
        if ((e->buttons() & Qt::LeftButton) && (e->pos() - dragStart_).manhattanLength() > 3) dragging_ = true;
        if (band_->isVisible()) {
            band_->setGeometry(QRect(dragStart_, e->pos()).normalized());
            return true;
        }
        const NeuronKey k = neuronAt(plot_->mapTo(this, e->pos()));
        if (k.first >= 0) Q_EMIT hovered(k.first, k.second, e->globalPosition().toPoint());
        else Q_EMIT left();
        break;
    }
    case QEvent::MouseButtonRelease: {
        auto* e = static_cast<QMouseEvent*>(event);
        if (e->button() != Qt::LeftButton) break;
        if (band_->isVisible()) {
            band_->hide();
            const QRect r(plot_->mapTo(this, dragStart_), plot_->mapTo(this, e->pos()));
            if (dragging_) {
                Q_EMIT rectangleSelected(neuronsIn(r.normalized()), !(dragMods_ & Qt::ControlModifier));
            } else {
                const NeuronKey k = neuronAt(plot_->mapTo(this, e->pos()));
                if (k.first >= 0) Q_EMIT clicked(k.first, k.second, dragMods_);
            }
            return true;
        }
        if (!dragging_) {
            const NeuronKey k = neuronAt(plot_->mapTo(this, e->pos()));
            if (k.first >= 0) Q_EMIT clicked(k.first, k.second, e->modifiers());
        }
        break;
    }
    case QEvent::MouseButtonDblClick:
        resetView();
        return true;
    case QEvent::Leave:
        Q_EMIT left();
        break;
    case QEvent::Resize:
        QMetaObject::invokeMethod(this, [this] { rebuildImage(); }, Qt::QueuedConnection);
        break;
    default:
        break;
    }
    return QWidget::eventFilter(watched, event);
}

bool HeatmapPlot::saveFigure(const QString& path, int width, int height, QString* error) {
    return prominence::ui::saveFigure(plot_, path, width, height, tr("layer × neuron heatmap"), error);
}

}  // namespace prominence::ui
