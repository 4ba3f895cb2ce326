#pragma once
// A small histogram behind our own API (the rest of the UI never includes QCustomPlot): stacked
// series over fixed bins, a legend, and an optional vertical marker (a threshold).
#include <QColor>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <optional>
#include <vector>

class QCustomPlot;
class QCPItemStraightLine;

namespace prominence::ui {

struct HistogramSeries {
    QString name;
    std::vector<double> values;
    QColor color;
};

// Counts of `values` in `bins` equal bins over [lo, hi]; values outside are clamped into the end bins.
std::vector<int> histogramCounts(const std::vector<double>& values, double lo, double hi, int bins);

class HistogramPlot : public QWidget {
    Q_OBJECT
public:
    explicit HistogramPlot(QWidget* parent = nullptr);

    void setAxisLabels(const QString& x, const QString& y);
    void setSeries(const std::vector<HistogramSeries>& series, double lo, double hi, int bins);
    void setMarker(std::optional<double> x);
    // Bar heights per series, as drawn (tests).
    std::vector<std::vector<int>> counts() const { return counts_; }

private:
    QCustomPlot* plot_ = nullptr;
    QCPItemStraightLine* marker_ = nullptr;
    std::vector<std::vector<int>> counts_;
};

// Bars with category labels (counts per layer).
class BarPlot : public QWidget {
    Q_OBJECT
public:
    explicit BarPlot(QWidget* parent = nullptr);
    void setBars(const QStringList& labels, const std::vector<double>& values, const QString& xLabel, const QString& yLabel);
    std::vector<double> values() const { return values_; }

private:
    QCustomPlot* plot_ = nullptr;
    std::vector<double> values_;
};

}  // namespace prominence::ui
