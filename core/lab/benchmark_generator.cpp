#include "core/lab/benchmark_generator.h"

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "core/common/error.h"
#include "core/data/sampling.h"
#include "core/lab/lab_vocabulary.h"

namespace prominence::lab {
namespace {

using data::SeededRng;

int taskIndex(LabTask task) { return static_cast<int>(task); }

int pick(SeededRng& rng, int n) { return static_cast<int>(rng.below(static_cast<std::uint64_t>(n))); }

// `k` distinct categories other than `except`, in draw order.
std::vector<int> otherCategories(SeededRng& rng, int except, std::size_t k) {
    std::vector<int> others;
    for (int c = 0; c < static_cast<int>(categories().size()); ++c)
        if (c != except) others.push_back(c);
    std::vector<int> out;
    for (std::size_t i : data::sampleIndices(others.size(), k, rng)) out.push_back(others[i]);
    return out;
}

const std::string& randomWord(SeededRng& rng, int category) {
    const auto& words = categories()[static_cast<std::size_t>(category)].words;
    return words[static_cast<std::size_t>(pick(rng, static_cast<int>(words.size())))];
}

// Gold at a uniform letter, the other options in draw order around it.
void place(LabItem& item, SeededRng& rng, const std::string& gold, const std::vector<std::string>& others) {
    item.gold = pick(rng, kOptions);
    item.choices.clear();
    std::size_t next = 0;
    for (int i = 0; i < kOptions; ++i) item.choices.push_back(i == item.gold ? gold : others[next++]);
}

// Tags that point to option `target`: x uniform, y fixed by (x + y) mod 4 = target.
std::string tagsFor(SeededRng& rng, int target, bool single) {
    const int i = pick(rng, kOptions);
    if (single) return "ref " + tagsFirst()[static_cast<std::size_t>(target)] + ", ";
    const int j = ((target - i) % kOptions + kOptions) % kOptions;
    return "ref " + tagsFirst()[static_cast<std::size_t>(i)] + " " + tagsSecond()[static_cast<std::size_t>(j)] + ", ";
}

int wrongOption(SeededRng& rng, int gold) {
    const int k = pick(rng, kOptions - 1);
    return k < gold ? k : k + 1;
}

std::string memberQuestion(int category) {
    const Category& c = categories()[static_cast<std::size_t>(category)];
    return "which word is " + c.article + " " + c.name + "?";
}

LabItem makeMember(SeededRng& rng, bool ambiguous) {
    LabItem item;
    const int c = pick(rng, static_cast<int>(categories().size()));
    const auto& words = categories()[static_cast<std::size_t>(c)].words;
    std::vector<std::size_t> members = data::sampleIndices(words.size(), ambiguous ? 2 : 1, rng);
    std::vector<std::string> others;
    if (ambiguous) others.push_back(words[members[1]]);
    for (int d : otherCategories(rng, c, static_cast<std::size_t>(kOptions - 1 - (ambiguous ? 1 : 0))))
        others.push_back(randomWord(rng, d));
    // The second member must not always follow the gold: shuffle the distractors' order.
    std::vector<std::size_t> order = data::permutation(others.size(), rng);
    std::vector<std::string> shuffled;
    for (std::size_t i : order) shuffled.push_back(others[i]);
    place(item, rng, words[members[0]], shuffled);
    item.ambiguous = ambiguous;
    item.query = memberQuestion(c);
    return item;
}

LabItem makeOutlier(SeededRng& rng) {
    LabItem item;
    const int c = pick(rng, static_cast<int>(categories().size()));
    const auto& words = categories()[static_cast<std::size_t>(c)].words;
    std::vector<std::string> majority;
    for (std::size_t i : data::sampleIndices(words.size(), kOptions - 1, rng)) majority.push_back(words[i]);
    const int d = otherCategories(rng, c, 1).front();
    place(item, rng, randomWord(rng, d), majority);
    item.query = "which word does not belong?";
    return item;
}

LabItem makeItem(LabTask task, std::uint64_t seed, int k, const GeneratorOptions& options) {
    SeededRng rng(data::deriveSeed(data::deriveSeed(seed, static_cast<std::uint64_t>(taskIndex(task)) + 1),
                                   static_cast<std::uint64_t>(k)));
    LabItem item;
    switch (task) {
    case LabTask::Member: item = makeMember(rng, false); break;
    case LabTask::Outlier: item = makeOutlier(rng); break;
    case LabTask::Source: {
        const bool ambiguous = static_cast<double>(rng.below(1000000)) < options.ambiguousFraction * 1e6;
        item = makeMember(rng, ambiguous);
        item.cue = item.gold;
        break;
    }
    case LabTask::SourceConflict:
        item = makeMember(rng, false);
        item.cue = wrongOption(rng, item.gold);
        break;
    case LabTask::OutlierTagged:
        item = makeOutlier(rng);
        item.cue = wrongOption(rng, item.gold);
        break;
    }
    item.query = "Question: " + (item.cue >= 0 ? tagsFor(rng, item.cue, options.singleTag) : std::string()) + item.query;
    item.task = task;
    item.id = taskName(task) + "-" + std::to_string(k);
    return item;
}

std::string itemKey(const LabItem& item) {
    std::string key = item.query;
    for (const std::string& c : item.choices) key += "|" + c;
    return key;
}

}  // namespace

std::string taskName(LabTask task) {
    switch (task) {
    case LabTask::Member: return "member";
    case LabTask::Outlier: return "outlier";
    case LabTask::Source: return "source";
    case LabTask::SourceConflict: return "source_conflict";
    case LabTask::OutlierTagged: return "outlier_tagged";
    }
    return "?";
}

const std::vector<LabTask>& allTasks() {
    static const std::vector<LabTask> all = {LabTask::Member, LabTask::Outlier, LabTask::Source,
                                             LabTask::SourceConflict, LabTask::OutlierTagged};
    return all;
}

LabTask parseTask(const std::string& name) {
    std::string known;
    for (LabTask t : allTasks()) {
        if (taskName(t) == name) return t;
        known += (known.empty() ? "" : ", ") + taskName(t);
    }
    throw InvalidArgument("unknown lab task '" + name + "' (known: " + known + ")");
}

nlohmann::json LabItem::toJson() const {
    return {{"id", id}, {"query", query}, {"choices", choices}, {"gold", gold},
            {"task", taskName(task)}, {"cue", cue}, {"ambiguous", ambiguous}};
}

std::vector<LabItem> generateTask(LabTask task, int count, std::uint64_t seed, const GeneratorOptions& options) {
    return generateTaskExcluding(task, count, seed, {}, options);
}

std::vector<LabItem> generateTaskExcluding(LabTask task, int count, std::uint64_t seed,
                                           const std::vector<LabItem>& exclude, const GeneratorOptions& options) {
    if (count < 0) throw InvalidArgument("lab generator: item count " + std::to_string(count) + " is negative");
    if (!(options.ambiguousFraction >= 0.0 && options.ambiguousFraction <= 1.0))
        throw InvalidArgument("lab generator: ambiguous fraction " + std::to_string(options.ambiguousFraction) +
                              " is outside [0, 1]");
    std::set<std::string> excluded;
    for (const LabItem& e : exclude) excluded.insert(itemKey(e));
    std::vector<LabItem> items;
    // The item space is large (thousands of items per category and letter): a bound on draws only
    // guards against an exclusion list that covers it.
    const int maxDraws = count * 20 + 1000;
    for (int k = 0; static_cast<int>(items.size()) < count; ++k) {
        if (k >= maxDraws)
            throw InvalidArgument("lab generator: cannot draw " + std::to_string(count) + " distinct " +
                                  taskName(task) + " items outside the excluded set");
        LabItem item = makeItem(task, seed, k, options);
        if (!excluded.count(itemKey(item))) items.push_back(std::move(item));
    }
    return items;
}

std::string removeTags(const std::string& text) {
    std::string out = text;
    const std::size_t at = out.find("ref ");
    const std::size_t end = at == std::string::npos ? at : out.find(", ", at);
    if (end != std::string::npos) out.erase(at, end + 2 - at);
    return out;
}

int cueFromQuery(const std::string& query) {
    const std::size_t at = query.find("ref ");
    if (at == std::string::npos) return -1;
    std::istringstream in(query.substr(at + 4));
    std::string x, y;
    in >> x >> y;
    if (!x.empty() && x.back() == ',') {  // a single tag
        x.pop_back();
        for (int k = 0; k < kOptions; ++k)
            if (tagsFirst()[static_cast<std::size_t>(k)] == x) return k;
        return -1;
    }
    if (!y.empty() && y.back() == ',') y.pop_back();
    int i = -1, j = -1;
    for (int k = 0; k < kOptions; ++k) {
        if (tagsFirst()[static_cast<std::size_t>(k)] == x) i = k;
        if (tagsSecond()[static_cast<std::size_t>(k)] == y) j = k;
    }
    return i < 0 || j < 0 ? -1 : cueIndex(i, j);
}

void writeJsonl(const std::string& path, const std::vector<LabItem>& items) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw StorageError("lab: cannot write '" + tmp + "'");
        for (const LabItem& item : items) out << item.toJson().dump() << '\n';
        if (!out.flush()) throw StorageError("lab: writing '" + tmp + "' failed");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        throw StorageError("lab: cannot rename '" + tmp + "' to '" + path + "'");
}

std::vector<LabItem> readJsonl(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LoadError("lab: cannot read '" + path + "'");
    std::vector<LabItem> items;
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.empty()) continue;
        try {
            const nlohmann::json j = nlohmann::json::parse(line);
            LabItem item;
            item.id = j.at("id").get<std::string>();
            item.task = parseTask(j.at("task").get<std::string>());
            item.query = j.at("query").get<std::string>();
            item.choices = j.at("choices").get<std::vector<std::string>>();
            item.gold = j.at("gold").get<int>();
            item.cue = j.at("cue").get<int>();
            item.ambiguous = j.at("ambiguous").get<bool>();
            items.push_back(std::move(item));
        } catch (const nlohmann::json::exception& e) {
            throw FormatError(path + ":" + std::to_string(n) + ": " + e.what());
        }
    }
    return items;
}

}  // namespace prominence::lab
