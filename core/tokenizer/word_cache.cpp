#include "core/tokenizer/word_cache.h"

namespace prominence::tok {

bool WordCache::get(std::string_view key, std::vector<SubToken>& out) const {
    if (key.size() > kMaxKeyBytes) return false;
    Shard& s = shard(key);
    std::lock_guard<std::mutex> lock(s.mutex);
    const auto it = s.map.find(key);
    if (it == s.map.end()) return false;
    out = it->second;
    return true;
}

void WordCache::put(std::string_view key, const std::vector<SubToken>& value) {
    if (key.size() > kMaxKeyBytes) return;
    Shard& s = shard(key);
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.map.size() >= kCapacity / kShards || s.map.count(key)) return;
    s.keys.emplace_back(key);
    s.map.emplace(std::string_view(s.keys.back()), value);
}

void WordCache::clear() {
    for (Shard& s : shards_) {
        std::lock_guard<std::mutex> lock(s.mutex);
        s.map.clear();
        s.keys.clear();
    }
}

}  // namespace prominence::tok
