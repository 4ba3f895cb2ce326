#pragma once
// The layer × neuron heatmap as an image, built for the range on screen: each pixel column shows the
// neuron of its bin with the largest |score| (never a subsample, so a single hot neuron among 14,336
// cannot vanish when zoomed out), coloured on a diverging map centred on 0 for signed scores or a
// sequential one for magnitudes, on a linear, log or symmetric-log scale. Pure Qt GUI types (QImage),
// no widgets: the heatmap view and the report draw the same pixels.
#include <QColor>
#include <QImage>

#include <cstdint>
#include <vector>

namespace prominence::ui {

enum class ColorScale { Linear, Log, SymLog };

struct HeatmapStyle {
    bool diverging = true;     // signed scores: blue–white–red, 0 at the centre; else white → dark
    ColorScale scale = ColorScale::Linear;
    double lo = -1.0;          // the colour range; diverging maps use [-max(|lo|,|hi|), +max(|lo|,|hi|)]
    double hi = 1.0;
    double linearWidth = 0.0;  // symlog: |x| below this is linear; 0 = hi / 100
};

// A [layers × neurons] row-major matrix with an optional display order per layer: order[l][k] is the
// real neuron shown at column k of layer l (empty: as stored).
struct HeatmapData {
    int layers = 0;
    int neurons = 0;
    std::vector<float> scores;
    std::vector<std::vector<int>> order;

    float at(int layer, int column) const {
        const int n = order.empty() ? column : order[static_cast<std::size_t>(layer)][static_cast<std::size_t>(column)];
        return scores[static_cast<std::size_t>(layer) * static_cast<std::size_t>(neurons) + static_cast<std::size_t>(n)];
    }
    int neuronAt(int layer, int column) const {
        return order.empty() ? column : order[static_cast<std::size_t>(layer)][static_cast<std::size_t>(column)];
    }
};

// Per pixel of one layer's columns [first, last): the column (display position) with the largest |score|
// among the columns that pixel covers. Every column belongs to exactly one pixel.
std::vector<int> poolColumns(const HeatmapData& data, int layer, int first, int last, int pixels);
// The same for one pixel p.
int pooledColumn(const HeatmapData& data, int layer, int first, int last, int pixels, int p);

// The image of columns [first, last) of every layer, `width` pixels wide, one row of pixels per layer
// (the caller scales rows up). Pixels follow poolColumns.
QImage renderHeatmap(const HeatmapData& data, int first, int last, int width, const HeatmapStyle& style);

// The colour of one value.
QColor heatmapColor(double value, const HeatmapStyle& style);

// The value at quantile q (0..1) of |scores| (diverging) or of the scores (sequential): percentile
// colour ranges so one outlier neuron does not wash out the rest.
double scoreQuantile(const std::vector<float>& scores, double q, bool absolute);

// Each layer's columns sorted by score, largest first (ties by neuron index).
std::vector<std::vector<int>> sortedOrder(const HeatmapData& data);

}  // namespace prominence::ui
