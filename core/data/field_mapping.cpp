#include "core/data/field_mapping.h"

#include "core/common/error.h"

namespace prominence::data {

AnswerEncoding parseAnswerEncoding(const std::string& name) {
    if (name == "index0") return AnswerEncoding::Index0;
    if (name == "index1") return AnswerEncoding::Index1;
    if (name == "letter") return AnswerEncoding::Letter;
    if (name == "text") return AnswerEncoding::Text;
    throw InvalidArgument("answer encoding '" + name + "': expected index0, index1, letter or text");
}

void applyFieldSpec(FieldMapping& mapping, const std::string& spec) {
    const std::size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
        throw InvalidArgument("field '" + spec + "': expected NAME=PATH (e.g. question=question.stem)");
    const std::string name = spec.substr(0, eq);
    const std::string path = spec.substr(eq + 1);
    if (name == "question") {
        mapping.question = path;
    } else if (name == "choices") {
        mapping.choices = path;
    } else if (name == "answer") {
        mapping.answer = path;
    } else if (name == "context") {
        mapping.context = path;
    } else if (name == "id") {
        mapping.id = path;
    } else {
        throw InvalidArgument("field '" + name + "': expected question, choices, answer, context or id");
    }
}

}  // namespace prominence::data
