#include "core/data/sampling.h"

#include <algorithm>
#include <cmath>

#include "core/common/error.h"

namespace prominence::data {

std::uint64_t SeededRng::below(std::uint64_t n) {
    if (n == 0) throw InvalidArgument("SeededRng::below(0): the range must not be empty");
    // 2^64 mod n values at the bottom would be drawn once more often than the rest; redraw them.
    const std::uint64_t threshold = (0 - n) % n;
    while (true) {
        const std::uint64_t x = engine_();
        if (x >= threshold) return x % n;
    }
}

std::uint64_t deriveSeed(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void shuffleIndices(std::vector<std::size_t>& v, SeededRng& rng) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

std::vector<std::size_t> permutation(std::size_t n, SeededRng& rng) {
    std::vector<std::size_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = i;
    shuffleIndices(v, rng);
    return v;
}

std::vector<std::size_t> sampleIndices(std::size_t poolSize, std::size_t k, SeededRng& rng,
                                       std::optional<std::size_t> exclude) {
    std::vector<std::size_t> pool;
    pool.reserve(poolSize);
    for (std::size_t i = 0; i < poolSize; ++i)
        if (!exclude || *exclude != i) pool.push_back(i);
    if (k > pool.size())
        throw InvalidArgument("cannot draw " + std::to_string(k) + " exemplars from a pool of " +
                              std::to_string(pool.size()));
    for (std::size_t i = 0; i < k; ++i) std::swap(pool[i], pool[i + rng.below(pool.size() - i)]);
    pool.resize(k);
    return pool;
}

McItem shuffleChoices(const McItem& item, SeededRng& rng) {
    if (item.optionsInQuestion)
        throw InvalidArgument("item '" + item.id + "': its question lists the options itself, so they cannot be shuffled");
    const std::vector<std::size_t> perm = permutation(item.choices.size(), rng);  // new position i <- old perm[i]
    McItem out = item;
    std::vector<int> where(item.choices.size());
    for (std::size_t i = 0; i < perm.size(); ++i) {
        out.choices[i] = item.choices[perm[i]];
        where[perm[i]] = static_cast<int>(i);
    }
    out.gold = where[static_cast<std::size_t>(item.gold)];
    out.golds.clear();
    for (int g : item.golds) out.golds.push_back(where[static_cast<std::size_t>(g)]);
    std::sort(out.golds.begin(), out.golds.end());
    return out;
}

std::vector<std::size_t> fewShotIndices(std::size_t poolSize, std::size_t k, std::uint64_t seed, std::size_t itemIndex,
                                        bool sameFile) {
    if (k == 0) return {};
    SeededRng rng(deriveSeed(seed, itemIndex));
    return sampleIndices(poolSize, k, rng, sameFile ? std::optional<std::size_t>(itemIndex) : std::nullopt);
}

Split splitItems(const std::vector<McItem>& items, double firstFraction, std::uint64_t seed) {
    if (!(firstFraction >= 0.0 && firstFraction <= 1.0))
        throw InvalidArgument("split fraction " + std::to_string(firstFraction) + ": expected a value in [0, 1]");
    SeededRng rng(seed);
    std::vector<std::size_t> order = permutation(items.size(), rng);
    const auto cut = static_cast<std::size_t>(std::llround(firstFraction * static_cast<double>(items.size())));
    std::vector<std::size_t> first(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(cut));
    std::vector<std::size_t> second(order.begin() + static_cast<std::ptrdiff_t>(cut), order.end());
    std::sort(first.begin(), first.end());
    std::sort(second.begin(), second.end());
    Split s;
    for (std::size_t i : first) s.first.push_back(items[i]);
    for (std::size_t i : second) s.second.push_back(items[i]);
    return s;
}

}  // namespace prominence::data
