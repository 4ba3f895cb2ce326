#pragma once
// Results of BPE per piece of text, shared by all threads that encode with one tokenizer. Most text
// repeats its words, so most pieces skip the merge loop. Like Hugging Face's cache it stops growing
// when full instead of evicting.
#include <array>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace prominence::tok {

struct SubToken {
    std::uint32_t id;
    std::uint32_t length;  // bytes of the piece it covers
};

class WordCache {
public:
    static constexpr std::size_t kMaxKeyBytes = 128;
    static constexpr std::size_t kCapacity = 1u << 18;

    bool get(std::string_view key, std::vector<SubToken>& out) const;
    void put(std::string_view key, const std::vector<SubToken>& value);
    void clear();

private:
    struct Shard {
        mutable std::mutex mutex;
        std::deque<std::string> keys;  // owns the bytes the map's string_views point at
        std::unordered_map<std::string_view, std::vector<SubToken>> map;
    };
    static constexpr std::size_t kShards = 16;
    Shard& shard(std::string_view key) const {
        return shards_[std::hash<std::string_view>{}(key) % kShards];
    }
    mutable std::array<Shard, kShards> shards_;
};

}  // namespace prominence::tok
