#include "core/tokenizer/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/common/error.h"
#include "core/tokenizer/utf8.h"

namespace prominence::tok {

struct Regex::Code {
    pcre2_code* code = nullptr;
    bool jit = false;
    ~Code() { pcre2_code_free(code); }
};

namespace {

std::string pcreMessage(int code) {
    PCRE2_UCHAR buffer[256];
    pcre2_get_error_message(code, buffer, sizeof buffer);
    return reinterpret_cast<const char*>(buffer);
}

// Per-thread match state: encoding is const and runs on many threads at once.
struct MatchState {
    pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
    pcre2_match_context* context = pcre2_match_context_create(nullptr);
    pcre2_jit_stack* stack = pcre2_jit_stack_create(32 * 1024, 4 * 1024 * 1024, nullptr);
    MatchState() { pcre2_jit_stack_assign(context, nullptr, stack); }
    ~MatchState() {
        pcre2_jit_stack_free(stack);
        pcre2_match_context_free(context);
        pcre2_match_data_free(data);
    }
};

MatchState& matchState() {
    thread_local MatchState state;
    return state;
}

}  // namespace

Regex::Regex(const std::string& pattern, const std::string& where) {
    int error = 0;
    PCRE2_SIZE errorOffset = 0;
    auto code = std::make_shared<Code>();
    code->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                               PCRE2_UTF | PCRE2_UCP, &error, &errorOffset, nullptr);
    if (!code->code)
        throw FormatError(where + ": regex '" + pattern + "' does not compile at offset " +
                          std::to_string(errorOffset) + ": " + pcreMessage(error));
    code->jit = pcre2_jit_compile(code->code, PCRE2_JIT_COMPLETE) == 0;
    code_ = std::move(code);
}

void Regex::findAll(std::string_view text, std::vector<Span>& out) const {
    MatchState& state = matchState();
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    const std::size_t n = text.size();
    std::size_t start = 0;
    uint32_t options = 0;
    while (start <= n) {
        const uint32_t flags = options | PCRE2_NO_UTF_CHECK;
        const int rc = code_->jit && options == 0
                           ? pcre2_jit_match(code_->code, subject, n, start, flags, state.data, state.context)
                           : pcre2_match(code_->code, subject, n, start, flags, state.data, state.context);
        if (rc == PCRE2_ERROR_NOMATCH) {
            if (options == 0) break;
            // The last match was empty: retry one character further on.
            start += start < n ? utf8SequenceLength(text, start) : 1;
            options = 0;
            continue;
        }
        if (rc < 0) throw Error("regex match failed: " + pcreMessage(rc));
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
        const std::size_t b = ovector[0], e = ovector[1];
        if (e > b) out.push_back({b, e});
        // An empty match must not be found again at the same place.
        options = e == b ? (PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED) : 0;
        start = e;
    }
}

}  // namespace prominence::tok
