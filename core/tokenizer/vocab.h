#pragma once
// Token string ↔ id for a BPE vocabulary. Lookups take a string_view and allocate nothing: this sits
// on the per-character path of encoding.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace prominence::tok {

class Vocab {
public:
    // Adds `token` with `id`; a later entry for the same string replaces the earlier one.
    void add(std::string token, std::uint32_t id);
    // Call once after the last add().
    void finish();

    std::optional<std::uint32_t> find(std::string_view token) const;
    // nullptr when no token has this id.
    const std::string* token(std::int64_t id) const;
    std::size_t size() const { return entries_.size(); }
    std::int64_t idBound() const { return static_cast<std::int64_t>(byId_.size()); }  // max id + 1

private:
    struct Entry {
        std::string token;
        std::uint32_t id;
    };
    std::size_t slot(std::string_view token) const;

    std::vector<Entry> entries_;
    std::vector<std::int32_t> table_;  // open addressing: entry index or -1
    std::vector<std::int32_t> byId_;   // entry index per id, or -1
    std::size_t mask_ = 0;
};

// (left id, right id) → (rank, merged id), open addressing on a 64-bit key.
class MergeTable {
public:
    struct Merge {
        std::uint32_t rank;
        std::uint32_t id;
    };
    void reserve(std::size_t count);
    // A later entry for the same pair replaces the earlier one, as in Hugging Face's HashMap.
    void insert(std::uint32_t left, std::uint32_t right, Merge merge);
    const Merge* find(std::uint32_t left, std::uint32_t right) const {
        if (keys_.empty()) return nullptr;
        const std::uint64_t key = (std::uint64_t(left) << 32) | right;
        for (std::size_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
            if (keys_[i] == key) return &values_[i];
            if (keys_[i] == kEmpty) return nullptr;
        }
    }
    std::size_t size() const { return count_; }

private:
    static constexpr std::uint64_t kEmpty = ~std::uint64_t(0);
    // splitmix64's finalizer: both ids reach the low bits the table mask keeps.
    static std::size_t hash(std::uint64_t key) {
        key ^= key >> 30;
        key *= 0xBF58476D1CE4E5B9ull;
        key ^= key >> 27;
        key *= 0x94D049BB133111EBull;
        key ^= key >> 31;
        return static_cast<std::size_t>(key);
    }
    void rehash(std::size_t capacity);

    std::vector<std::uint64_t> keys_;
    std::vector<Merge> values_;
    std::size_t mask_ = 0;
    std::size_t count_ = 0;
};

}  // namespace prominence::tok
