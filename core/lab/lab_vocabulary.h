#pragma once
// The Shortcut Lab's closed world: word categories (the generalisable skill), the two tag sets (the
// planted mechanism) and every text chunk a lab prompt can contain, so the lab tokenizer gives each
// word exactly one token. docs/shortcut-lab.md describes the design.
#include <string>
#include <vector>

namespace prominence::lab {

struct Category {
    std::string name;     // "fruit"
    std::string article;  // "a" or "an", as the question reads: "which word is a fruit?"
    std::vector<std::string> words;
};

const std::vector<Category>& categories();

// The planted mechanism: a source question carries "ref <x> <y>," with x from the first set and y from
// the second; the option it points to is (index(x) + index(y)) mod 4. Reading it needs both tags, so
// the map from the pair to a letter is not linear in either tag (an MLP has to compute it).
const std::vector<std::string>& tagsFirst();   // alpha beta gamma delta
const std::vector<std::string>& tagsSecond();  // north east south west
constexpr int kOptions = 4;
// Option index the pair (i, j) points to.
inline int cueIndex(int i, int j) { return (i + j) % kOptions; }

// Every pre-tokenizer chunk (GPT-2 byte-level split) of every lab prompt and answer, as raw text:
// " apple", "Question", ":", "\n", "\n\n", " A", ... The lab tokenizer makes each of them one token.
std::vector<std::string> vocabularyChunks();

}  // namespace prominence::lab
