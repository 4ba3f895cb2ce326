#pragma once
// Seeded, portable randomness for splits, few-shot exemplars and option shuffling.
//
// Everything draws from std::mt19937_64, whose output sequence the C++ standard fixes, through our own
// integer mapping (below(): rejection of the biased low range, then modulo) instead of
// std::uniform_int_distribution, whose algorithm differs between standard libraries. The same seed
// therefore gives the same exemplars and orders with libstdc++, libc++ and MSVC.
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "core/data/mc_item.h"

namespace prominence::data {

class SeededRng {
public:
    explicit SeededRng(std::uint64_t seed) : engine_(seed) {}
    std::uint64_t next() { return engine_(); }
    // Uniform in [0, n); n > 0.
    std::uint64_t below(std::uint64_t n);

private:
    std::mt19937_64 engine_;
};

// SplitMix64 of (seed, stream): independent seeds per item, so an item's exemplars and option order do
// not depend on which other items are evaluated (--limit, selections, order).
std::uint64_t deriveSeed(std::uint64_t seed, std::uint64_t stream);

// Fisher-Yates from the last position down, j = below(i + 1).
void shuffleIndices(std::vector<std::size_t>& v, SeededRng& rng);
std::vector<std::size_t> permutation(std::size_t n, SeededRng& rng);

// k distinct indices from [0, poolSize) without `exclude`, in draw order (partial Fisher-Yates).
// Throws InvalidArgument when the pool is too small.
std::vector<std::size_t> sampleIndices(std::size_t poolSize, std::size_t k, SeededRng& rng,
                                       std::optional<std::size_t> exclude = std::nullopt);

// The item with its choices reordered by a seeded permutation (gold and golds follow). Throws
// InvalidArgument for items whose question text lists the options itself.
McItem shuffleChoices(const McItem& item, SeededRng& rng);

// Exemplars for item `itemIndex`: from `pool` (a dev split) or, when `sameFile`, from the evaluated
// items themselves without the item. Seeded by deriveSeed(seed, itemIndex).
std::vector<std::size_t> fewShotIndices(std::size_t poolSize, std::size_t k, std::uint64_t seed, std::size_t itemIndex,
                                        bool sameFile);

struct Split {
    std::vector<McItem> first;
    std::vector<McItem> second;
};
// Shuffles with the seed and cuts at round(fraction * n); items keep their relative file order within
// each part. Throws InvalidArgument for a fraction outside [0, 1].
Split splitItems(const std::vector<McItem>& items, double firstFraction, std::uint64_t seed);

}  // namespace prominence::data
