#include "core/compare/statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "core/common/error.h"

namespace prominence {
namespace {

std::uint64_t nextMt(void* state) { return (*static_cast<std::mt19937_64*>(state))(); }

void checkOptions(const BootstrapOptions& o) {
    if (o.resamples < 1) throw InvalidArgument("bootstrap resamples must be >= 1, got " + std::to_string(o.resamples));
    if (!(o.level > 0.0 && o.level < 1.0))
        throw InvalidArgument("bootstrap level must be in (0, 1), got " + std::to_string(o.level));
}

Interval percentileInterval(std::vector<double> stats, double level) {
    const double tail = (1.0 - level) / 2.0;
    std::sort(stats.begin(), stats.end());
    return {quantile(stats, tail), quantile(stats, 1.0 - tail)};
}

// log C(n, k) through lgamma: exact enough for p-values of any realistic item count.
double logChoose(std::int64_t n, std::int64_t k) {
    return std::lgamma(double(n) + 1) - std::lgamma(double(k) + 1) - std::lgamma(double(n - k) + 1);
}

}  // namespace

std::uint64_t uniformBelow(std::uint64_t n, std::uint64_t (*next)(void*), void* state) {
    // Rejection sampling on the largest multiple of n below 2^64.
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
    std::uint64_t x;
    do {
        x = next(state);
    } while (x >= limit);
    return x % n;
}

double mean(const std::vector<double>& values) {
    if (values.empty()) return 0.0;
    double s = 0.0;
    for (double v : values) s += v;
    return s / double(values.size());
}

double sampleStdDev(const std::vector<double>& values) {
    if (values.size() < 2) return 0.0;
    const double m = mean(values);
    double ss = 0.0;
    for (double v : values) ss += (v - m) * (v - m);
    return std::sqrt(ss / double(values.size() - 1));
}

double quantile(std::vector<double> values, double p) {
    if (values.empty()) throw InvalidArgument("quantile of an empty set");
    std::sort(values.begin(), values.end());
    const double h = (double(values.size()) - 1.0) * std::clamp(p, 0.0, 1.0);
    const auto lo = static_cast<size_t>(std::floor(h));
    const size_t hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (h - double(lo)) * (values[hi] - values[lo]);
}

Interval bootstrapMeanInterval(const std::vector<double>& values, const BootstrapOptions& options) {
    checkOptions(options);
    if (values.empty()) throw InvalidArgument("bootstrap of an empty sample");
    std::mt19937_64 rng(options.seed);
    const std::uint64_t n = values.size();
    std::vector<double> stats(static_cast<size_t>(options.resamples));
    for (auto& s : stats) {
        double sum = 0.0;
        for (std::uint64_t i = 0; i < n; ++i) sum += values[uniformBelow(n, nextMt, &rng)];
        s = sum / double(n);
    }
    return percentileInterval(std::move(stats), options.level);
}

CellSummary summarizeCell(const std::vector<std::vector<std::uint8_t>>& correct, const BootstrapOptions& options) {
    checkOptions(options);
    if (correct.empty() || correct.front().empty()) throw InvalidArgument("comparison cell has no seeds or no items");
    const size_t items = correct.front().size();
    for (size_t s = 0; s < correct.size(); ++s)
        if (correct[s].size() != items)
            throw ShapeError("comparison cell: seed " + std::to_string(s) + " has " + std::to_string(correct[s].size()) +
                             " items, expected " + std::to_string(items) + " (seeds must be paired on the same items)");

    CellSummary out;
    out.seeds = int(correct.size());
    out.items = int(items);
    std::vector<double> perSeed;
    // Per-item count of seeds that got it right: the bootstrap statistic is a sum over items of these.
    std::vector<double> itemMean(items, 0.0);
    for (const auto& row : correct) {
        double c = 0.0;
        for (size_t i = 0; i < items; ++i) {
            c += row[i];
            itemMean[i] += row[i];
        }
        perSeed.push_back(c / double(items));
    }
    for (double& v : itemMean) v /= double(correct.size());
    out.mean = mean(perSeed);
    out.sd = sampleStdDev(perSeed);
    out.ci = bootstrapMeanInterval(itemMean, options);
    return out;
}

McNemarResult mcnemarFromCounts(std::int64_t onlyA, std::int64_t onlyB) {
    if (onlyA < 0 || onlyB < 0) throw InvalidArgument("McNemar counts must be non-negative");
    McNemarResult r;
    r.onlyA = onlyA;
    r.onlyB = onlyB;
    const std::int64_t n = onlyA + onlyB;
    if (n == 0) return r;
    const std::int64_t k = std::min(onlyA, onlyB);
    double tail = 0.0;
    for (std::int64_t i = 0; i <= k; ++i) tail += std::exp(logChoose(n, i) - double(n) * std::log(2.0));
    r.exactP = std::min(1.0, 2.0 * tail);
    const double d = std::max(0.0, std::fabs(double(onlyA - onlyB)) - 1.0);
    r.chi2 = d * d / double(n);
    r.chi2P = std::erfc(std::sqrt(r.chi2 / 2.0));  // survival function of chi-square with 1 dof
    return r;
}

McNemarResult mcnemar(const std::vector<std::vector<std::uint8_t>>& a, const std::vector<std::vector<std::uint8_t>>& b) {
    if (a.size() != b.size())
        throw ShapeError("McNemar: " + std::to_string(a.size()) + " seeds against " + std::to_string(b.size()));
    std::int64_t onlyA = 0, onlyB = 0;
    for (size_t s = 0; s < a.size(); ++s) {
        if (a[s].size() != b[s].size())
            throw ShapeError("McNemar: seed " + std::to_string(s) + " has " + std::to_string(a[s].size()) + " and " +
                             std::to_string(b[s].size()) + " items");
        for (size_t i = 0; i < a[s].size(); ++i) {
            if (a[s][i] && !b[s][i]) ++onlyA;
            if (!a[s][i] && b[s][i]) ++onlyB;
        }
    }
    return mcnemarFromCounts(onlyA, onlyB);
}

}  // namespace prominence
