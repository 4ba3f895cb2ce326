#include "core/study/field_mapping_json.h"

#include "core/common/error.h"

namespace prominence::study {

std::string answerEncodingName(data::AnswerEncoding encoding) {
    switch (encoding) {
        case data::AnswerEncoding::Index0:
            return "index0";
        case data::AnswerEncoding::Index1:
            return "index1";
        case data::AnswerEncoding::Letter:
            return "letter";
        case data::AnswerEncoding::Text:
            return "text";
    }
    throw InvalidArgument("answerEncodingName: unknown encoding " +
                          std::to_string(static_cast<int>(encoding)));
}

nlohmann::json fieldMappingJson(const data::FieldMapping& f) {
    if (f.empty()) return nlohmann::json::object();
    return {{"question", f.question},
            {"choices", f.choices},
            {"answer", f.answer},
            {"context", f.context},
            {"id", f.id},
            {"answer_encoding", answerEncodingName(f.encoding)},
            {"choice_text_key", f.choiceTextKey}};
}

}  // namespace prominence::study
