#pragma once
// The layer × neuron heatmap widget: our own small API over QCustomPlot (the rest of the UI never
// includes it). The map is drawn as an image built for the columns on screen (ui/plots/heatmap_image:
// the hottest neuron of each pixel, so none vanishes when a 14,336-wide layer is zoomed out); layers
// run top to bottom, columns are neurons in the display order (as stored, or sorted within each layer).
// Wheel zooms and dragging pans the neuron axis, double-click resets; shift-drag draws a rectangle that
// adds its neurons to the mask, ctrl-drag one that removes them. The mask is drawn over the map as
// outlined cells, the threshold panel's preview as dots, the selected neuron as a crosshair.
#include <QWidget>

#include <set>
#include <utility>

#include "ui/plots/heatmap_image.h"

class QCustomPlot;
class QCPItemPixmap;
class QCPColorScale;
class QCPGraph;
class QCPItemStraightLine;
class QMouseEvent;

namespace prominence::ui {

using NeuronKey = std::pair<int, std::int64_t>;  // (layer, neuron)

class HeatmapPlot : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapPlot(QWidget* parent = nullptr);

    void setData(HeatmapData data);
    const HeatmapData& data() const { return data_; }
    void setStyle(const HeatmapStyle& style, const QString& colourLabel);
    const HeatmapStyle& style() const { return style_; }
    void setMask(const std::set<NeuronKey>& mask);
    void setPreview(const std::set<NeuronKey>& preview);
    void setSelected(int layer, std::int64_t neuron);  // -1: none

    // The neuron columns [first, last) on screen.
    std::pair<double, double> visibleColumns() const;
    void setVisibleColumns(double first, double last);
    void resetView();
    // Centres the view on a neuron (its display column in its layer) and selects it.
    void goTo(int layer, std::int64_t neuron);

    // The neuron a click at this widget position means: its layer, and the hottest neuron among the
    // columns that pixel covers (what the pixel shows). {-1, -1} outside the map.
    NeuronKey neuronAt(const QPoint& widgetPos) const;
    // The widget position of a neuron's cell centre (tests and goTo).
    QPoint positionOf(int layer, std::int64_t neuron) const;
    // The neurons inside a widget-space rectangle (every column the rectangle spans, in each layer).
    std::set<NeuronKey> neuronsIn(const QRect& widgetRect) const;

    // PDF, SVG or PNG by the extension (ui/plots/figure_export), axes and colour bar included;
    // width × height in points (PNG: twice that in pixels, 300 dpi).
    bool saveFigure(const QString& path, int width, int height, QString* error = nullptr);
    // The current map image (tests: which colour each pixel shows).
    QImage mapImage() const { return image_; }

Q_SIGNALS:
    void hovered(int layer, std::int64_t neuron, QPoint globalPos);
    void left();
    void clicked(int layer, std::int64_t neuron, Qt::KeyboardModifiers modifiers);
    void rectangleSelected(const std::set<NeuronKey>& neurons, bool add);
    void viewChanged();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void rebuildImage();
    void updateOverlays();
    int displayColumn(int layer, std::int64_t neuron) const;

    QCustomPlot* plot_ = nullptr;
    QCPItemPixmap* pixmap_ = nullptr;
    QCPColorScale* colourScale_ = nullptr;
    QCPGraph* maskGraph_ = nullptr;
    QCPGraph* previewGraph_ = nullptr;
    QCPGraph* selectedGraph_ = nullptr;
    HeatmapData data_;
    HeatmapStyle style_;
    std::vector<std::vector<int>> inverse_;  // inverse_[l][neuron] = display column
    std::set<NeuronKey> mask_, preview_;
    NeuronKey selected_{-1, -1};
    QImage image_;
    double imageFirst_ = 0, imageLast_ = 0;
    QPoint dragStart_;
    Qt::KeyboardModifiers dragMods_;
    bool dragging_ = false;
    QWidget* band_ = nullptr;
};

}  // namespace prominence::ui
