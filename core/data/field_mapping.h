#pragma once
// The generic importer's field mapping: which dotted path of a record holds the question, the choices,
// the answer (and optionally a context and an id), and how the answer is encoded.
#include <string>

namespace prominence::data {

enum class AnswerEncoding { Index0, Index1, Letter, Text };

struct FieldMapping {
    std::string question;  // required
    std::string choices;   // required: list of strings, list of objects, or object letter -> text
    std::string answer;    // required
    std::string context;   // optional passage shown before the question
    std::string id;        // optional
    std::string choiceTextKey = "text";  // the text field when choices are objects
    AnswerEncoding encoding = AnswerEncoding::Index0;

    bool empty() const { return question.empty() && choices.empty() && answer.empty(); }
};

// "index0" | "index1" | "letter" | "text"; throws InvalidArgument echoing anything else.
AnswerEncoding parseAnswerEncoding(const std::string& name);
// Applies one "--field NAME=PATH" (NAME: question, choices, answer, context, id); throws InvalidArgument.
void applyFieldSpec(FieldMapping& mapping, const std::string& spec);

}  // namespace prominence::data
