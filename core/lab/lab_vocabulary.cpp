#include "core/lab/lab_vocabulary.h"

#include <set>

namespace prominence::lab {

const std::vector<Category>& categories() {
    static const std::vector<Category> all = {
        {"animal", "an", {"cat", "dog", "horse", "cow", "sheep", "goat"}},
        {"fruit", "a", {"apple", "pear", "plum", "grape", "lemon", "mango"}},
        {"color", "a", {"red", "blue", "green", "yellow", "purple", "pink"}},
        {"tool", "a", {"hammer", "saw", "drill", "wrench", "chisel", "shovel"}},
        {"city", "a", {"paris", "london", "rome", "berlin", "madrid", "vienna"}},
        {"instrument", "an", {"piano", "violin", "guitar", "flute", "drum", "harp"}},
    };
    return all;
}

const std::vector<std::string>& tagsFirst() {
    static const std::vector<std::string> t = {"alpha", "beta", "gamma", "delta"};
    return t;
}

const std::vector<std::string>& tagsSecond() {
    static const std::vector<std::string> t = {"north", "east", "south", "west"};
    return t;
}

std::vector<std::string> vocabularyChunks() {
    std::vector<std::string> chunks = {"Question", "Answer", ":", "?", ",", ".", "\n", "\n\n"};
    std::set<std::string> spaced = {"which", "word", "is", "a", "an", "does", "not", "belong", "ref"};
    for (const Category& c : categories()) {
        spaced.insert(c.name);
        spaced.insert(c.words.begin(), c.words.end());
    }
    spaced.insert(tagsFirst().begin(), tagsFirst().end());
    spaced.insert(tagsSecond().begin(), tagsSecond().end());
    for (int i = 0; i < kOptions; ++i) {
        const std::string letter(1, static_cast<char>('A' + i));
        chunks.push_back(letter);        // "\nA. apple": the letter starts its line
        spaced.insert(letter);           // " A": the answer after "Answer:"
    }
    for (const std::string& w : spaced) chunks.push_back(" " + w);
    return chunks;
}

}  // namespace prominence::lab
