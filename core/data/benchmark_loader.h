#pragma once
// Loads a multiple-choice benchmark file (or a directory of them, e.g. MMLU's 57 subject CSVs) into
// McItems, detecting the format from the records unless told.
#include <string>

#include "core/data/field_mapping.h"
#include "core/data/mc_item.h"
#include "core/jobs/progress.h"

namespace prominence::data {

enum class Format { Auto, Icl, QuestionStem, MmluCsv, Hellaswag, Copa, TruthfulQaMc1, TruthfulQaMc2, Generic };

// auto, icl, question_stem, mmlu_csv, hellaswag, copa, truthfulqa_mc1, truthfulqa_mc2, generic.
std::string formatName(Format format);
// Throws InvalidArgument echoing an unknown name and listing the known ones.
Format parseFormat(const std::string& name);
std::string knownFormatNames();

struct LoadOptions {
    Format format = Format::Auto;
    FieldMapping fields;       // non-empty selects the generic importer (with format auto or generic)
    bool skipInvalid = false;  // keep going past bad records; they are listed in Benchmark::skipped
    std::string language;      // COPA/XCOPA connectives and TruthfulQA primer; default from the file
};

// Throws LoadError (unreadable), FormatError ("<file>:<line>: field '<f>': expected ..."; without
// skipInvalid the first bad record stops the load) or InvalidArgument (bad options).
Benchmark loadBenchmark(const std::string& path, const LoadOptions& options = {},
                        Progress& progress = Progress::none());

}  // namespace prominence::data
