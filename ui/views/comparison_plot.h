#pragma once
// The comparison view's charts behind our own API (QCustomPlot stays in the .cpp): grouped bars with
// error bars (one group per benchmark, one bar per condition) and a line chart (the localisation
// probe). Both read back what they draw, for tests, and save themselves as PNG / SVG / PDF.
#include <QColor>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <utility>
#include <vector>

class QCustomPlot;
class QCPBars;
class QCPErrorBars;

namespace prominence::ui {

// One bar per group; NaN value: no bar in that group. low/high: the error bar's ends (absolute).
struct BarSeries {
    QString name;
    QColor color;
    std::vector<double> values;
    std::vector<double> low;
    std::vector<double> high;
};

class GroupedBarPlot : public QWidget {
    Q_OBJECT
public:
    explicit GroupedBarPlot(QWidget* parent = nullptr);

    // `zeroLine`: draw y = 0 (differences); yLo/yHi: the value axis range (NaN: fitted).
    void setData(const QStringList& groups, const std::vector<BarSeries>& series, const QString& yLabel, bool zeroLine,
                 double yLo, double yHi);
    int seriesCount() const { return static_cast<int>(bars_.size()); }
    int groupCount() const { return groups_.size(); }
    QString seriesName(int series) const;
    // As drawn (NaN when the series has no bar in the group): the bar's height and its error bar's ends.
    double height(int series, int group) const;
    std::pair<double, double> errorBar(int series, int group) const;
    bool saveFigure(const QString& path, QString* error = nullptr);
    QCustomPlot* customPlot() const { return plot_; }

private:
    QCustomPlot* plot_ = nullptr;
    QStringList groups_;
    std::vector<QCPBars*> bars_;
    std::vector<QCPErrorBars*> errors_;
};

struct LineSeries {
    QString name;
    QColor color;
    std::vector<double> x;
    std::vector<double> y;
    Qt::PenStyle style = Qt::SolidLine;
    bool markers = true;
};

class LineChart : public QWidget {
    Q_OBJECT
public:
    explicit LineChart(QWidget* parent = nullptr);
    void setSeries(const std::vector<LineSeries>& series, const QString& xLabel, const QString& yLabel, double yLo, double yHi);
    const std::vector<LineSeries>& series() const { return series_; }
    bool saveFigure(const QString& path, QString* error = nullptr);

private:
    QCustomPlot* plot_ = nullptr;
    std::vector<LineSeries> series_;
};

}  // namespace prominence::ui
