#pragma once
// Small UTF-8 text helpers that reproduce the Python string operations lm-evaluation-harness applies
// to benchmark text (strip, capitalize, first-letter lowercasing), so prompts match it byte for byte.
#include <string>

namespace prominence::data {

// Python str.strip()/rstrip() for ASCII whitespace (the benchmark files use no other kind at the ends).
std::string strip(const std::string& s);
std::string rstrip(const std::string& s);
bool startsWith(const std::string& s, const std::string& prefix);
bool endsWith(const std::string& s, const std::string& suffix);
std::string replaceAll(std::string s, const std::string& from, const std::string& to);

// Number of code points; the byte-length fallback for invalid UTF-8 is one per byte.
std::size_t utf8Length(const std::string& s);
// s without its last code point (Python s[:-1]).
std::string dropLastCodePoint(const std::string& s);
// Python s[0].lower() + s[1:]. Case mapping covers ASCII, Latin-1, Latin Extended-A/Additional,
// Greek and Cyrillic: every script in the shipped benchmarks; other code points are left as they are.
std::string lowerFirst(const std::string& s);
// Python str.capitalize(): first code point upper-cased, the rest lower-cased (same coverage).
std::string capitalize(const std::string& s);

// lm-eval's HellaSwag preprocess(): strip, " [title]" -> ". ", drop "[...]" spans (re `\[.*?\]`, which
// does not cross newlines), then replace each "  " with " " once (a single non-overlapping pass).
std::string hellaswagPreprocess(const std::string& text);

}  // namespace prominence::data
