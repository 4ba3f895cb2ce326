#pragma once
// The example browser's p(correct) histogram with a range on it: stacked bars of wrong and correct
// items over [0, 1] and two draggable edges; what lies outside the range is greyed. Behind our own
// API, so the browser never includes QCustomPlot.
#include <QWidget>

#include <cstdint>
#include <vector>

class QCustomPlot;
class QCPItemRect;
class QCPItemStraightLine;
class QMouseEvent;

namespace prominence::ui {

class RangeHistogram : public QWidget {
    Q_OBJECT
public:
    explicit RangeHistogram(QWidget* parent = nullptr);

    // Bin b covers [b / n, (b + 1) / n) (the last one includes 1), n = correct.size() = wrong.size().
    void setCounts(const std::vector<std::int64_t>& correct, const std::vector<std::int64_t>& wrong);
    void setRange(double lo, double hi);
    double low() const { return lo_; }
    double high() const { return hi_; }
    // Bar heights as drawn (tests).
    const std::vector<std::int64_t>& correctCounts() const { return correct_; }
    const std::vector<std::int64_t>& wrongCounts() const { return wrong_; }
    // The widget x position of p (tests drag the edges).
    int positionOf(double p) const;
    QCustomPlot* plot() const { return plot_; }

Q_SIGNALS:
    // While an edge is dragged, and once more when it is released (final = true).
    void rangeChanged(double lo, double hi, bool final);

private:
    void press(QMouseEvent* e);
    void move(QMouseEvent* e);
    void release(QMouseEvent* e);
    void place();

    QCustomPlot* plot_ = nullptr;
    QCPItemStraightLine* loLine_ = nullptr;
    QCPItemStraightLine* hiLine_ = nullptr;
    QCPItemRect* loShade_ = nullptr;
    QCPItemRect* hiShade_ = nullptr;
    std::vector<std::int64_t> correct_, wrong_;
    double lo_ = 0.0, hi_ = 1.0;
    int dragging_ = 0;  // 0 none, 1 low edge, 2 high edge
};

}  // namespace prominence::ui
