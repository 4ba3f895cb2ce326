#pragma once
// Statistics for the before/after comparison: per-cell mean, standard deviation and percentile
// bootstrap confidence intervals over items, and McNemar's paired test between two conditions.
// Every random draw comes from a seeded std::mt19937_64 through our own bounded-integer mapping, so a
// seed gives the same interval on every platform and standard library.
#include <cstdint>
#include <vector>

namespace prominence {

struct Interval {
    double low = 0.0;
    double high = 0.0;
};

struct CellSummary {
    int seeds = 0;
    int items = 0;
    double mean = 0.0;  // mean accuracy over seeds (each seed's accuracy over items)
    double sd = 0.0;    // sample standard deviation of the per-seed accuracies (0 for one seed)
    Interval ci;        // percentile bootstrap interval of `mean`, resampling items
};

struct BootstrapOptions {
    int resamples = 2000;
    double level = 0.95;
    std::uint64_t seed = 0;
};

// Uniform integer in [0, n) from a 64-bit generator output stream, without modulo bias.
std::uint64_t uniformBelow(std::uint64_t n, std::uint64_t (*next)(void*), void* state);

// `correct[s][i]` is 1 when seed s got item i right. All seeds must cover the same items (paired).
// The bootstrap resamples item indices with replacement, the same indices for every seed, and takes
// the percentile interval of the resampled mean (type-7 quantiles, as numpy's default).
CellSummary summarizeCell(const std::vector<std::vector<std::uint8_t>>& correct, const BootstrapOptions& options);

// Percentile bootstrap interval of the mean of `values`.
Interval bootstrapMeanInterval(const std::vector<double>& values, const BootstrapOptions& options);

double mean(const std::vector<double>& values);
double sampleStdDev(const std::vector<double>& values);
// Type-7 quantile (linear interpolation between order statistics), p in [0, 1]; sorts a copy.
double quantile(std::vector<double> values, double p);

struct McNemarResult {
    std::int64_t onlyA = 0;  // items A got right and B got wrong
    std::int64_t onlyB = 0;  // items B got right and A got wrong
    double exactP = 1.0;     // two-sided exact binomial test on the discordant pairs
    double chi2 = 0.0;       // with Edwards' continuity correction
    double chi2P = 1.0;
};

// Paired test of two conditions on the same items (pooled over seeds when given several rows).
McNemarResult mcnemar(const std::vector<std::vector<std::uint8_t>>& a, const std::vector<std::vector<std::uint8_t>>& b);
McNemarResult mcnemarFromCounts(std::int64_t onlyA, std::int64_t onlyB);

}  // namespace prominence
