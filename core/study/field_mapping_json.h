#pragma once
// The generic importer's field mapping as the workspace records it with a benchmark, and its answer
// encodings by name (the inverse of data::parseAnswerEncoding).
#include <string>

#include <nlohmann/json.hpp>

#include "core/data/field_mapping.h"

namespace prominence::study {

std::string answerEncodingName(data::AnswerEncoding encoding);  // index0, index1, letter, text

// {} for an empty mapping (a known format), else question, choices, answer, context, id,
// answer_encoding and choice_text_key.
nlohmann::json fieldMappingJson(const data::FieldMapping& fields);

}  // namespace prominence::study
