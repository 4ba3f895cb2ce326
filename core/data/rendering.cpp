#include "core/data/rendering.h"

#include "core/common/error.h"
#include "core/data/text_utils.h"

namespace prominence::data {
namespace {

std::string listedOptions(const McItem& item) {
    std::string s;
    for (std::size_t i = 0; i < item.choices.size(); ++i) s += "\n" + optionLetter(i) + ". " + item.choices[i];
    return s + "\nAnswer:";
}

std::string solved(const McItem& ex, PromptStyle style) {
    if (style == PromptStyle::Letter) return letterPrompt(ex) + " " + optionLetter(static_cast<std::size_t>(ex.gold));
    return loglikContext(ex) + loglikContinuations(ex).at(static_cast<std::size_t>(ex.gold));
}

}  // namespace

std::string optionLetter(std::size_t i) {
    if (i >= 26) throw InvalidArgument("option index " + std::to_string(i) + ": at most 26 options (A-Z)");
    return std::string(1, static_cast<char>('A' + i));
}

std::string loglikContext(const McItem& item) {
    if (item.loglikStyle == LoglikStyle::ListedLetters) return strip(item.question) + listedOptions(item);
    return item.loglikContext;
}

std::vector<std::string> loglikContinuations(const McItem& item) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < item.choices.size(); ++i)
        out.push_back(item.loglikStyle == LoglikStyle::ListedLetters ? " " + optionLetter(i) : " " + item.choices[i]);
    return out;
}

std::string letterPrompt(const McItem& item) {
    if (item.optionsInQuestion || item.loglikStyle == LoglikStyle::ListedLetters) return loglikContext(item);
    return (item.context.empty() ? std::string() : item.context + "\n") + "Question: " + item.question +
           listedOptions(item);
}

std::string fullPrompt(const McItem& item, const std::vector<const McItem*>& exemplars, PromptStyle style) {
    std::string s = item.description;
    for (const McItem* ex : exemplars) s += solved(*ex, style) + "\n\n";
    s += style == PromptStyle::Letter ? letterPrompt(item) : loglikContext(item);
    return s;
}

}  // namespace prominence::data
