#include <cmath>

#include "core/data/text_utils.h"
#include "core/eval/evaluator.h"
#include "core/eval/item_metrics.h"

namespace prominence::eval {
namespace {

// numpy.argmax: the first index among equal maxima.
int argmax(const std::vector<double>& v) {
    int best = 0;
    for (std::size_t i = 1; i < v.size(); ++i)
        if (v[i] > v[static_cast<std::size_t>(best)]) best = static_cast<int>(i);
    return best;
}

}  // namespace

void fillItemMetrics(ItemScore& s, const std::vector<std::string>& choiceTexts, bool loglik) {
    const std::size_t n = s.scores.size();
    double mx = -INFINITY;
    for (double x : s.scores) mx = std::max(mx, x);
    double z = 0.0;
    s.probs.assign(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) z += std::exp(s.scores[i] - mx);
    for (std::size_t i = 0; i < n; ++i) s.probs[i] = std::exp(s.scores[i] - mx) / z;

    s.pred = argmax(s.scores);
    s.correct = false;
    s.pCorrect = 0.0;
    for (int g : s.golds) {
        s.pCorrect += s.probs[static_cast<std::size_t>(g)];
        if (g == s.pred) s.correct = true;
    }
    double runnerUp = 0.0;
    for (std::size_t i = 0; i < n; ++i)
        if (static_cast<int>(i) != s.pred) runnerUp = std::max(runnerUp, s.probs[i]);
    s.margin = s.probs[static_cast<std::size_t>(s.pred)] - runnerUp;

    if (loglik) {
        std::vector<double> perChar(n), perByte(n);
        for (std::size_t i = 0; i < n; ++i) {
            // lm-eval divides by len(choice) (Python code points), the choice without the delimiter;
            // an empty choice text would divide by zero there too, so it counts as length 1 here.
            const double chars = static_cast<double>(std::max<std::size_t>(1, data::utf8Length(choiceTexts[i])));
            const double bytes = static_cast<double>(std::max<std::size_t>(1, choiceTexts[i].size()));
            perChar[i] = s.scores[i] / chars;
            perByte[i] = s.scores[i] / bytes;
        }
        s.predNorm = argmax(perChar);
        s.predBytes = argmax(perByte);
    }
}

EvalSummary summarize(const std::vector<ItemScore>& items, Scoring scoring) {
    EvalSummary sum;
    sum.n = static_cast<std::int64_t>(items.size());
    if (items.empty()) return sum;
    double acc = 0, norm = 0, bytes = 0, mc2 = 0;
    bool anyMc2 = false;
    auto isGold = [](const ItemScore& s, int p) {
        for (int g : s.golds)
            if (g == p) return true;
        return false;
    };
    for (const auto& s : items) {
        acc += s.correct ? 1 : 0;
        if (s.predNorm) norm += isGold(s, *s.predNorm) ? 1 : 0;
        if (s.predBytes) bytes += isGold(s, *s.predBytes) ? 1 : 0;
        if (s.golds.size() > 1) anyMc2 = true;
        mc2 += s.pCorrect;
    }
    const double n = static_cast<double>(items.size());
    sum.acc = acc / n;
    if (scoring == Scoring::Loglik) {
        sum.accNorm = norm / n;
        sum.accBytes = bytes / n;
    }
    if (anyMc2) sum.mc2 = mc2 / n;
    return sum;
}

}  // namespace prominence::eval
