#include "ui/report/report_plots.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include <qcustomplot.h>

#include "ui/plots/heatmap_image.h"

namespace prominence::ui::report {

namespace {

using nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QString qs(const std::string& s) { return QString::fromStdString(s); }

// Plot fonts are sized in pixels: the plot is drawn with one logical pixel per point, and QCustomPlot
// measures its labels with the screen's metrics, which agree with the page only for pixel sizes.
QFont plotFont(int px, bool bold = false) {
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(px);
    f.setBold(bold);
    f.setHintingPreference(QFont::PreferNoHinting);
    f.setLetterSpacing(QFont::AbsoluteSpacing, 0.05);
    return f;
}

// The heatmap's cells: an image drawn into the data rectangle of the axes at draw time, so the PDF
// holds the pooled image at full resolution (QCPItemPixmap would rescale it to the logical size).
class ImageLayerable : public QCPLayerable {
public:
    ImageLayerable(QCustomPlot* plot, QImage image, QRectF coords)
        : QCPLayerable(plot, QStringLiteral("grid")), image_(std::move(image)), coords_(coords) {}

protected:
    void applyDefaultAntialiasingHint(QCPPainter*) const override {}
    QRect clipRect() const override { return mParentPlot->axisRect()->rect(); }
    void draw(QCPPainter* painter) override {
        QCPAxis* x = mParentPlot->xAxis;
        QCPAxis* y = mParentPlot->yAxis;
        const QRectF target(QPointF(x->coordToPixel(coords_.left()), y->coordToPixel(coords_.top())),
                            QPointF(x->coordToPixel(coords_.right()), y->coordToPixel(coords_.bottom())));
        painter->drawImage(target.normalized(), image_);
    }

private:
    QImage image_;
    QRectF coords_;
};

std::unique_ptr<QCustomPlot> newPlot() {
    auto plot = std::make_unique<QCustomPlot>();
    plot->setAttribute(Qt::WA_DontShowOnScreen);
    plot->setNoAntialiasingOnDrag(false);
    const QPen axisPen(QColor(0x33, 0x33, 0x33), 0.6);
    for (QCPAxis* a : {plot->xAxis, plot->yAxis}) {
        a->setTickLabelFont(plotFont(8));
        a->setLabelFont(plotFont(9));
        a->setBasePen(axisPen);
        a->setTickPen(axisPen);
        a->setSubTickPen(axisPen);
        a->setTickLengthIn(0);
        a->setTickLengthOut(3);
        a->setSubTickLengthIn(0);
        a->setSubTickLengthOut(1.5);
        a->grid()->setPen(QPen(QColor(0xdd, 0xdd, 0xdd), 0.4, Qt::DotLine));
        a->grid()->setZeroLinePen(Qt::NoPen);
    }
    plot->legend->setFont(plotFont(8));
    plot->legend->setBorderPen(QPen(QColor(0xaa, 0xaa, 0xaa), 0.5));
    plot->legend->setBrush(QColor(255, 255, 255, 230));
    plot->legend->setIconSize(14, 8);
    plot->legend->setRowSpacing(0);
    plot->axisRect()->setAutoMargins(QCP::msAll);
    return plot;
}

QCPGraph* scatter(QCustomPlot* plot, const QCPScatterStyle& style) {
    QCPGraph* g = plot->addGraph();
    g->setLineStyle(QCPGraph::lsNone);
    g->setScatterStyle(style);
    g->setAdaptiveSampling(false);
    return g;
}

}  // namespace

QColor conditionColor(const std::string& c) {
    if (c == "before") return QColor(0x9e, 0x9e, 0x9e);
    if (c == "method") return QColor(0x1b, 0x9e, 0x77);
    if (c == "finetune_only") return QColor(0x75, 0x70, 0xb3);
    if (c == "prune_only") return QColor(0xd9, 0x5f, 0x02);
    if (c == "random_finetune") return QColor(0xe7, 0x29, 0x8a);
    if (c == "magnitude_finetune") return QColor(0x66, 0xa6, 0x1e);
    if (c == "random_prune_only") return QColor(0xe6, 0xab, 0x02);
    static const QColor others[] = {QColor(0x44, 0x44, 0x44), QColor(0x1f, 0x78, 0xb4), QColor(0xa6, 0x76, 0x1d)};
    return others[std::hash<std::string>{}(c) % 3];
}


HeatmapFigure heatmapPlot(const study::ReportHeatmap& h) {
    HeatmapFigure f;
    f.plot = newPlot();
    QCustomPlot* plot = f.plot.get();
    HeatmapData data;
    data.layers = static_cast<int>(h.layers);
    data.neurons = static_cast<int>(h.neurons);
    data.scores = h.scores;
    // Symmetric around 0; the 99.5th percentile of |score| so one outlier does not wash out the rest.
    double top = scoreQuantile(h.scores, 0.995, true);
    if (!(top > 0)) {
        for (float s : h.scores) top = std::max(top, static_cast<double>(std::fabs(s)));
        if (!(top > 0)) top = 1.0;
    }
    f.range = top;
    HeatmapStyle style;
    style.diverging = true;
    style.lo = -top;
    style.hi = top;
    // Each pixel column keeps the largest |score| of its neurons (pooled, never subsampled); small maps
    // are enlarged by whole pixels so no viewer's smoothing blurs a cell into its neighbour.
    const int width = std::clamp(data.neurons, 1, 1600);
    QImage image = renderHeatmap(data, 0, data.neurons, width, style);
    const int fx = std::max(1, 800 / width);
    const int fy = std::max(1, 160 / std::max(1, data.layers));
    image = image.scaled(image.width() * fx, image.height() * fy, Qt::IgnoreAspectRatio, Qt::FastTransformation);
    new ImageLayerable(plot, image, QRectF(QPointF(0, -0.5), QPointF(data.neurons, data.layers - 0.5)));

    plot->xAxis->setRange(0, std::max(1, data.neurons));
    plot->yAxis->setRange(-0.5, std::max(1, data.layers) - 0.5);
    plot->yAxis->setRangeReversed(true);
    plot->xAxis->setLabel(QStringLiteral("neuron"));
    plot->yAxis->setLabel(QStringLiteral("layer"));
    plot->xAxis->grid()->setVisible(false);
    plot->yAxis->grid()->setVisible(false);
    QSharedPointer<QCPAxisTickerFixed> yTicks(new QCPAxisTickerFixed);
    yTicks->setTickStep(std::max(1, data.layers / 12));
    yTicks->setScaleStrategy(QCPAxisTickerFixed::ssNone);
    plot->yAxis->setTicker(yTicks);
    plot->yAxis->setSubTicks(false);

    auto* scale = new QCPColorScale(plot);
    plot->plotLayout()->addElement(0, 1, scale);
    scale->setType(QCPAxis::atRight);
    scale->setBarWidth(8);
    QCPColorGradient g;
    g.clearColorStops();
    for (int i = 0; i <= 64; ++i) g.setColorStopAt(i / 64.0, heatmapColor(-top + 2 * top * i / 64.0, style));
    scale->setGradient(g);
    scale->setDataRange(QCPRange(-top, top));
    scale->axis()->setLabel(qs(h.kind.empty() ? std::string("score") : h.kind));
    scale->axis()->setLabelFont(plotFont(8));
    scale->axis()->setTickLabelFont(plotFont(7));
    auto* group = new QCPMarginGroup(plot);
    plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    scale->setMarginGroup(QCP::msBottom | QCP::msTop, group);

    if (!h.mask.empty()) {
        QCPGraph* mask = scatter(plot, QCPScatterStyle(QCPScatterStyle::ssSquare, QPen(QColor(0x11, 0x11, 0x11), 0.8), Qt::NoBrush, 5));
        QVector<double> x, y;
        for (const auto& n : h.mask) {
            x << static_cast<double>(n.neuron) + 0.5;
            y << static_cast<double>(n.layer);
        }
        mask->setData(x, y, false);
        mask->removeFromLegend();
    }
    return f;
}

std::unique_ptr<QCustomPlot> prunedPlot(const study::ReportHeatmap& h) {
    auto plot = newPlot();
    auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
    bars->setPen(QPen(QColor(0x1b, 0x9e, 0x77).darker(130), 0.5));
    bars->setBrush(QColor(0x1b, 0x9e, 0x77));
    bars->setWidth(0.75);
    QVector<double> keys, values;
    double top = 1;
    for (std::size_t l = 0; l < h.prunedPerLayer.size(); ++l) {
        keys << static_cast<double>(l);
        values << static_cast<double>(h.prunedPerLayer[l]);
        top = std::max(top, static_cast<double>(h.prunedPerLayer[l]));
    }
    bars->setData(keys, values, true);
    const int layers = static_cast<int>(h.prunedPerLayer.size());
    plot->xAxis->setRange(-0.6, std::max(1, layers) - 0.4);
    QSharedPointer<QCPAxisTickerFixed> ticks(new QCPAxisTickerFixed);
    ticks->setTickStep(std::max(1, layers / 16));
    ticks->setScaleStrategy(QCPAxisTickerFixed::ssNone);
    plot->xAxis->setTicker(ticks);
    plot->xAxis->setSubTicks(false);
    plot->xAxis->grid()->setVisible(false);
    plot->xAxis->setLabel(QStringLiteral("layer"));
    plot->yAxis->setLabel(QStringLiteral("neurons pruned"));
    plot->yAxis->setRange(0, top * 1.15);
    QSharedPointer<QCPAxisTickerFixed> counts(new QCPAxisTickerFixed);
    counts->setTickStep(std::max(1.0, std::ceil(top / 6)));
    counts->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    plot->yAxis->setTicker(counts);
    plot->yAxis->setSubTicks(false);
    // Counts above the bars when there are few enough layers to read them.
    if (layers <= 40)
        for (int l = 0; l < layers; ++l) {
            auto* t = new QCPItemText(plot.get());
            t->position->setCoords(l, static_cast<double>(h.prunedPerLayer[static_cast<std::size_t>(l)]));
            t->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
            t->setText(QString::number(h.prunedPerLayer[static_cast<std::size_t>(l)]));
            t->setFont(plotFont(layers > 20 ? 6 : 7));
            t->setPadding(QMargins(0, 0, 0, 1));
        }
    return plot;
}

std::unique_ptr<QCustomPlot> histogramPlot(const study::ReportHistogram& h) {
    auto plot = newPlot();
    constexpr int bins = 20;
    std::vector<double> right(bins, 0), wrong(bins, 0);
    for (std::size_t i = 0; i < h.pCorrect.size(); ++i) {
        const int b = std::clamp(static_cast<int>(std::floor(h.pCorrect[i] * bins)), 0, bins - 1);
        (i < h.correct.size() && h.correct[i] ? right : wrong)[static_cast<std::size_t>(b)] += 1;
    }
    auto* r = new QCPBars(plot->xAxis, plot->yAxis);
    auto* w = new QCPBars(plot->xAxis, plot->yAxis);
    r->setName(QStringLiteral("correct"));
    w->setName(QStringLiteral("wrong"));
    r->setBrush(QColor(0x1b, 0x9e, 0x77));
    w->setBrush(QColor(0xd9, 0x5f, 0x02));
    double top = 1;
    QVector<double> keys, rv, wv;
    for (int b = 0; b < bins; ++b) {
        keys << (b + 0.5) / bins;
        rv << right[static_cast<std::size_t>(b)];
        wv << wrong[static_cast<std::size_t>(b)];
        top = std::max(top, right[static_cast<std::size_t>(b)] + wrong[static_cast<std::size_t>(b)]);
    }
    for (QCPBars* bars : {r, w}) {
        bars->setPen(QPen(bars->brush().color().darker(130), 0.4));
        bars->setWidth(1.0 / bins * 0.92);
    }
    r->setData(keys, rv, true);
    w->setData(keys, wv, true);
    w->moveAbove(r);
    plot->xAxis->setRange(0, 1);
    plot->yAxis->setRange(0, top * 1.12);
    plot->xAxis->setLabel(QStringLiteral("p(correct)"));
    plot->yAxis->setLabel(QStringLiteral("items"));
    plot->legend->setVisible(true);
    plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    if (h.threshold) {
        auto* line = new QCPItemStraightLine(plot.get());
        line->point1->setCoords(*h.threshold, 0);
        line->point2->setCoords(*h.threshold, 1);
        line->setPen(QPen(QColor(0xb2, 0x18, 0x2b), 1.0, Qt::DashLine));
        auto* label = new QCPItemText(plot.get());
        label->position->setType(QCPItemPosition::ptPlotCoords);
        label->position->setCoords(*h.threshold, top * 1.06);
        label->setPositionAlignment((*h.threshold > 0.7 ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
        label->setText(QStringLiteral(" threshold %1 ").arg(*h.threshold, 0, 'g', 4));
        label->setFont(plotFont(7));
        label->setColor(QColor(0xb2, 0x18, 0x2b));
    }
    return plot;
}


std::unique_ptr<QCustomPlot> groupedBars(const QStringList& groups, const std::vector<BarSeriesData>& series, const QString& yLabel,
                                         bool zeroLine, double yLo, double yHi) {
    auto plot = newPlot();
    auto* group = new QCPBarsGroup(plot.get());
    group->setSpacingType(QCPBarsGroup::stAbsolute);
    group->setSpacing(1);
    const double width = 0.8 / static_cast<double>(std::max<std::size_t>(1, series.size()));
    double lo = 0.0, hi = 0.0;
    for (const BarSeriesData& s : series) {
        auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
        bars->setName(s.name);
        bars->setWidth(width);
        bars->setPen(QPen(s.color.darker(130), 0.5));
        bars->setBrush(s.color);
        bars->setBarsGroup(group);
        auto* err = new QCPErrorBars(plot->xAxis, plot->yAxis);
        err->removeFromLegend();
        err->setErrorType(QCPErrorBars::etValueError);
        err->setPen(QPen(QColor(0x22, 0x22, 0x22), 0.7));
        err->setWhiskerWidth(5);
        err->setSymbolGap(0);  // the default 10 px gap hides short intervals entirely
        QVector<double> keys, values, minus, plus;
        for (int g = 0; g < groups.size(); ++g) {
            const auto i = static_cast<std::size_t>(g);
            const double v = i < s.values.size() ? s.values[i] : kNaN;
            if (!std::isfinite(v)) continue;
            const double l = i < s.low.size() && std::isfinite(s.low[i]) ? s.low[i] : v;
            const double h = i < s.high.size() && std::isfinite(s.high[i]) ? s.high[i] : v;
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
    }
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (int g = 0; g < groups.size(); ++g) ticker->addTick(g, groups[g]);
    plot->xAxis->setTicker(ticker);
    int longest = 0;
    for (const QString& g : groups) longest = std::max(longest, static_cast<int>(g.size()));
    plot->xAxis->setTickLabelRotation(groups.size() * longest > 60 ? 20 : 0);
    plot->xAxis->setSubTicks(false);
    plot->xAxis->grid()->setVisible(false);
    plot->xAxis->setRange(-0.6, std::max(1, static_cast<int>(groups.size())) - 0.4);
    plot->yAxis->setLabel(yLabel);
    if (std::isfinite(yLo) && std::isfinite(yHi)) {
        plot->yAxis->setRange(yLo, yHi);
    } else {
        const double pad = std::max((hi - lo) * 0.1, 0.01);
        // Room above the bars for the legend.
        plot->yAxis->setRange(lo < 0 ? lo - pad : 0.0, hi + pad + (hi - lo) * 0.25);
    }
    if (zeroLine) {
        auto* zero = new QCPItemStraightLine(plot.get());
        zero->point1->setCoords(0, 0);
        zero->point2->setCoords(1, 0);
        zero->setPen(QPen(QColor(0x55, 0x55, 0x55), 0.6, Qt::DashLine));
    }
    plot->legend->setVisible(!series.empty());
    plot->legend->setWrap(4);
    plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
    plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    return plot;
}


// The localisation probe as the comparison view reads it: cue-following after pruning the top p%.
std::vector<LineData> probeLines(const nlohmann::json& probe) {
    LineData method{QStringLiteral("method's top p%"), conditionColor("method"), {}, {}, Qt::SolidLine, true};
    LineData random{QStringLiteral("random (mean over seeds)"), conditionColor("random_finetune"), {}, {}, Qt::SolidLine, true};
    LineData oracle{QStringLiteral("oracle's top p%"), QColor(0x31, 0x31, 0x9c), {}, {}, Qt::SolidLine, true};
    for (const auto& row : probe.value("sweep", json::array())) {
        const double x = row.value("percent", kNaN);
        method.x.push_back(x);
        method.y.push_back(row.value("method", json::object()).value("cue_following", kNaN));
        random.x.push_back(x);
        random.y.push_back(row.value("random", json::object()).value("cue_following", json::object()).value("mean", kNaN));
        if (row.contains("oracle")) {
            oracle.x.push_back(x);
            oracle.y.push_back(row.at("oracle").value("cue_following", kNaN));
        }
    }
    std::vector<LineData> lines{method, random};
    if (!oracle.x.empty()) lines.push_back(oracle);
    if (!method.x.empty()) {
        const double x0 = *std::min_element(method.x.begin(), method.x.end());
        const double x1 = *std::max_element(method.x.begin(), method.x.end());
        auto level = [&](const char* key) { return probe.at(key).value("cue_following", kNaN); };
        if (probe.contains("tags_removed"))
            lines.push_back({QStringLiteral("floor: tags removed from the prompt"), QColor(0x33, 0x33, 0x33), {x0, x1},
                             {level("tags_removed"), level("tags_removed")}, Qt::DashLine, false});
        if (probe.contains("baseline"))
            lines.push_back({QStringLiteral("nothing pruned"), QColor(0x99, 0x99, 0x99), {x0, x1},
                             {level("baseline"), level("baseline")}, Qt::DotLine, false});
    }
    return lines;
}

std::unique_ptr<QCustomPlot> lineChart(const std::vector<LineData>& lines, const QString& xLabel, const QString& yLabel) {
    auto plot = newPlot();
    double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo;
    for (const LineData& s : lines) {
        QCPGraph* g = plot->addGraph();
        g->setName(s.name);
        g->setPen(QPen(s.color, 1.2, s.style));
        if (s.markers) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, s.color, 4));
        g->setData(QVector<double>(s.x.begin(), s.x.end()), QVector<double>(s.y.begin(), s.y.end()));
        for (double x : s.x) {
            xlo = std::min(xlo, x);
            xhi = std::max(xhi, x);
        }
    }
    if (!std::isfinite(xlo)) xlo = 0, xhi = 1;
    const double pad = std::max((xhi - xlo) * 0.04, 0.05);
    plot->xAxis->setRange(xlo - pad, xhi + pad);
    plot->yAxis->setRange(0.0, 1.05);
    plot->xAxis->setLabel(xLabel);
    plot->yAxis->setLabel(yLabel);
    // Below the axes, so it hides none of the lines.
    plot->legend->setVisible(true);
    plot->plotLayout()->addElement(1, 0, plot->legend);
    plot->plotLayout()->setRowStretchFactor(1, 0.001);
    plot->legend->setWrap(3);
    plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
    plot->legend->setMargins(QMargins(4, 2, 4, 2));
    return plot;
}

}  // namespace prominence::ui::report
