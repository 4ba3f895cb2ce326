#pragma once
// One converter per benchmark format: a parsed record in, an McItem (with its lm-eval rendering) out.
// Each throws FormatError naming the record's file, line and field.
#include <string>

#include "core/data/field_mapping.h"
#include "core/data/mc_item.h"
#include "core/data/record_source.h"

namespace prominence::data::formats {

// llm-foundry ICL {query, choices, gold}: ARC, PIQA, BoolQ, COPA, OBQA, CSQA and MMLU/HellaSwag variants.
McItem fromIcl(const Record& r);
// {id, question{stem, choices[{label,text}]}, answerKey}: OpenBookQA, CommonsenseQA, ARC originals.
// `openBookStyle`: lm-eval's openbookqa context is the bare stem; the others use "Question: ...\nAnswer:".
McItem fromQuestionStem(const Record& r, bool openBookStyle);
// MMLU CSV row [question, A, B, C, D, answer] with answer 0-3 or A-D; `subject` for the description.
McItem fromMmluRow(const Record& r, const std::string& subject);
// HellaSwag original (ctx_a, ctx_b, endings, label) or the ctx-only variant (context, endings, label).
McItem fromHellaswag(const Record& r);
// COPA/XCOPA original {premise, choice1, choice2, question cause|effect, label}; `language` picks
// lm-eval's connectives ("en" -> because/therefore).
McItem fromCopa(const Record& r, const std::string& language);
// TruthfulQA {question, mc1_targets, mc2_targets}; `mc2` chooses the target set.
McItem fromTruthfulQa(const Record& r, bool mc2, const std::string& language);
// Any record through a field mapping; CSV rows arrive as objects keyed by the header.
McItem fromGeneric(const Record& r, const FieldMapping& mapping);

// Shared checks: gold in range, golds filled, source metadata set, at least two distinct choices.
void finishItem(McItem& item, const Record& r, const std::string& goldField);

}  // namespace prominence::data::formats
