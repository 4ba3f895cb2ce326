#pragma once
// The report's figures as QCustomPlot plots that are never shown: report_pdf paints them onto the
// PDF with QCustomPlot::toPainter at one logical pixel per point, so axes and text stay vector.
// Fonts are sized in pixels (QCustomPlot measures labels with the screen's metrics, which agree
// with the page only for pixel sizes).
#include <QColor>
#include <QString>
#include <QStringList>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/study/report_model.h"

class QCustomPlot;

namespace prominence::ui::report {

// The comparison view's colours per condition.
QColor conditionColor(const std::string& condition);

struct HeatmapFigure {
    std::unique_ptr<QCustomPlot> plot;
    double range = 0;  // the colour map's ±range
};

// Layers × neurons on a diverging map symmetric around 0 (±99.5th percentile of |score|), pixels
// pooled by max |score|, the mask's neurons as squares, with a colour scale.
HeatmapFigure heatmapPlot(const study::ReportHeatmap& heatmap);
// Bars of the mask's neurons per layer, counts above them.
std::unique_ptr<QCustomPlot> prunedPlot(const study::ReportHeatmap& heatmap);
// p(correct) in 20 bins, correct and wrong stacked, the selection threshold as a dashed line.
std::unique_ptr<QCustomPlot> histogramPlot(const study::ReportHistogram& histogram);

struct BarSeriesData {
    QString name;
    QColor color;
    std::vector<double> values, low, high;  // per group; NaN: no bar
};
// One group per entry of `groups`, one bar per series with its interval as an error bar.
std::unique_ptr<QCustomPlot> groupedBars(const QStringList& groups, const std::vector<BarSeriesData>& series, const QString& yLabel,
                                         bool zeroLine, double yLo, double yHi);

struct LineData {
    QString name;
    QColor color;
    std::vector<double> x, y;
    Qt::PenStyle style = Qt::SolidLine;
    bool markers = true;
};
// The Shortcut Lab's localisation probe as the comparison view reads it: method / random / oracle
// over the pruned percentage, the tags-removed floor and the nothing-pruned level as flat lines.
std::vector<LineData> probeLines(const nlohmann::json& probe);
// Lines over [0, 1.05], the legend below the axes.
std::unique_ptr<QCustomPlot> lineChart(const std::vector<LineData>& lines, const QString& xLabel, const QString& yLabel);

}  // namespace prominence::ui::report
