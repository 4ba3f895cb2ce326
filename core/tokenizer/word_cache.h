#pragma once
// Results of BPE per piece of text, shared by all threads that encode with one tokenizer. Most text
// repeats its words, so most pieces skip the merge loop. Like Hugging Face's cache it stops growing
// when full instead of evicting, which lets each shard keep keys and results in append-only arenas
// behind an open-addressing table (no node per entry to chase).
#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace prominence::tok {

struct SubToken {
    std::uint32_t id;
    std::uint32_t length;  // bytes of the piece it covers
};

class WordCache {
public:
    static constexpr std::size_t kMaxKeyBytes = 128;
    static constexpr std::size_t kCapacity = 1u << 16;

    bool get(std::string_view key, std::vector<SubToken>& out) const;
    void put(std::string_view key, const std::vector<SubToken>& value);

private:
    struct Slot {
        std::uint64_t hash = 0;  // 0: empty
        std::uint32_t keyOffset = 0, keyLength = 0;
        std::uint32_t valueOffset = 0, valueCount = 0;
    };
    struct Shard {
        std::mutex mutex;
        std::vector<Slot> slots;  // sized on first put; at most half full
        std::string keys;
        std::vector<SubToken> values;
        std::size_t count = 0;
    };
    static constexpr std::size_t kShards = 16;
    static constexpr std::size_t kSlotsPerShard = 2 * kCapacity / kShards;

    // Index of the slot holding `key`, or of the empty slot where it would go.
    static std::size_t find(const Shard& s, std::uint64_t hash, std::string_view key);

    mutable std::array<Shard, kShards> shards_;
};

}  // namespace prominence::tok
