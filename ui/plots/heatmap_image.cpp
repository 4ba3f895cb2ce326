#include "ui/plots/heatmap_image.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace prominence::ui {

int pooledColumn(const HeatmapData& data, int layer, int first, int last, int pixels, int p) {
    const int span = last - first;
    if (span <= 0 || pixels <= 0 || p < 0 || p >= pixels || layer < 0 || layer >= data.layers) return -1;
    // Pixel p covers columns [a, b): the bins partition [first, last) exactly.
    const int a = first + static_cast<int>(static_cast<long long>(p) * span / pixels);
    int b = first + static_cast<int>(static_cast<long long>(p + 1) * span / pixels);
    if (b <= a) b = a + 1;  // more pixels than columns: a column spans several pixels
    int best = a;
    float bestAbs = -1.0f;
    for (int c = a; c < b && c < last; ++c) {
        const float v = std::fabs(data.at(layer, c));
        if (v > bestAbs) {
            bestAbs = v;
            best = c;
        }
    }
    return best;
}

std::vector<int> poolColumns(const HeatmapData& data, int layer, int first, int last, int pixels) {
    std::vector<int> out(static_cast<std::size_t>(std::max(pixels, 0)), -1);
    for (int p = 0; p < pixels; ++p) out[static_cast<std::size_t>(p)] = pooledColumn(data, layer, first, last, pixels, p);
    return out;
}

namespace {

double scaled(double v, const HeatmapStyle& s, double top) {
    // Maps |v| in [0, top] to [0, 1] on the chosen scale.
    const double a = std::min(std::fabs(v), top);
    switch (s.scale) {
    case ColorScale::Linear: return top > 0 ? a / top : 0.0;
    case ColorScale::Log: {
        const double floor = top / 1e4;
        if (a <= floor) return 0.0;
        return std::log10(a / floor) / std::log10(top / floor);
    }
    case ColorScale::SymLog: {
        const double w = s.linearWidth > 0 ? s.linearWidth : top / 100.0;
        return top > 0 ? std::asinh(a / w) / std::asinh(top / w) : 0.0;
    }
    }
    return 0.0;
}

QColor mix(const QColor& a, const QColor& b, double t) {
    t = std::clamp(t, 0.0, 1.0);
    return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * t),
                            static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * t),
                            static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * t));
}

// ColorBrewer RdBu end points and a near-white centre; a sequential white → deep purple map.
const QColor kNeg(0x21, 0x66, 0xac);
const QColor kNegMid(0x92, 0xc5, 0xde);
const QColor kCentre(0xf7, 0xf7, 0xf7);
const QColor kPosMid(0xf4, 0xa5, 0x82);
const QColor kPos(0xb2, 0x18, 0x2b);
const QColor kSeq0(0xff, 0xff, 0xff);
const QColor kSeq1(0xfd, 0xd4, 0x9e);
const QColor kSeq2(0xd7, 0x30, 0x1f);
const QColor kSeq3(0x40, 0x00, 0x4b);

}  // namespace

QColor heatmapColor(double v, const HeatmapStyle& s) {
    if (!std::isfinite(v)) return QColor(0x80, 0x80, 0x80);
    if (s.diverging) {
        const double top = std::max(std::fabs(s.lo), std::fabs(s.hi));
        const double t = scaled(v, s, top);
        if (v >= 0) return t < 0.5 ? mix(kCentre, kPosMid, t * 2) : mix(kPosMid, kPos, t * 2 - 1);
        return t < 0.5 ? mix(kCentre, kNegMid, t * 2) : mix(kNegMid, kNeg, t * 2 - 1);
    }
    const double top = s.hi - s.lo;
    const double t = top > 0 ? scaled(std::max(0.0, v - s.lo), s, top) : 0.0;
    if (t < 1.0 / 3) return mix(kSeq0, kSeq1, t * 3);
    if (t < 2.0 / 3) return mix(kSeq1, kSeq2, t * 3 - 1);
    return mix(kSeq2, kSeq3, t * 3 - 2);
}

QImage renderHeatmap(const HeatmapData& data, int first, int last, int width, const HeatmapStyle& style) {
    QImage image(std::max(width, 1), std::max(data.layers, 1), QImage::Format_RGB32);
    image.fill(QColor(0xee, 0xee, 0xee));
    for (int l = 0; l < data.layers; ++l) {
        const std::vector<int> cols = poolColumns(data, l, first, last, width);
        auto* line = reinterpret_cast<QRgb*>(image.scanLine(l));
        for (int p = 0; p < width; ++p)
            if (cols[static_cast<std::size_t>(p)] >= 0) line[p] = heatmapColor(data.at(l, cols[static_cast<std::size_t>(p)]), style).rgb();
    }
    return image;
}

double scoreQuantile(const std::vector<float>& scores, double q, bool absolute) {
    std::vector<float> v;
    v.reserve(scores.size());
    for (float x : scores)
        if (std::isfinite(x)) v.push_back(absolute ? std::fabs(x) : x);
    if (v.empty()) return 0.0;
    const std::size_t k = static_cast<std::size_t>(std::clamp(q, 0.0, 1.0) * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

std::vector<std::vector<int>> sortedOrder(const HeatmapData& data) {
    std::vector<std::vector<int>> order(static_cast<std::size_t>(data.layers));
    for (int l = 0; l < data.layers; ++l) {
        auto& o = order[static_cast<std::size_t>(l)];
        o.resize(static_cast<std::size_t>(data.neurons));
        std::iota(o.begin(), o.end(), 0);
        const float* row = data.scores.data() + static_cast<std::size_t>(l) * static_cast<std::size_t>(data.neurons);
        std::stable_sort(o.begin(), o.end(), [row](int a, int b) { return row[a] > row[b]; });
    }
    return order;
}

}  // namespace prominence::ui
