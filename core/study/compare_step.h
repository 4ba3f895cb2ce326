#pragma once
// The compare step: the method (a stored mask, then fine-tuning) against fine-tune only, prune
// only, random and activation-magnitude pruning over seeds, on a source and transfer benchmarks,
// everything stored in the workspace as a 'compare' run and a comparison.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/compare/comparison.h"
#include "core/jobs/progress.h"
#include "core/study/step.h"
#include "core/workspace/records.h"

namespace prominence::study {

struct CompareParams {
    std::string workspacePath;  // required (read and written)
    std::string modelDir;       // required
    std::string tokenizer;      // empty: the model directory
    std::string sourcePath;     // required: scores and fine-tuning data come from it
    std::vector<std::string> transferPaths;
    std::int64_t limit = 0;       // evaluate at most this many items per benchmark (0: all)
    std::string trainFile;        // draw the fine-tuning pool from this file instead of the source
    std::size_t pool = 64;        // fine-tuning pool size
    std::uint64_t splitSeed = 0;  // seed of the pool/evaluation split
    std::size_t shots = 16;       // fine-tuning items per seed
    std::string mask;             // the method's stored mask (name or id), required
    // Stored selection of the source's high-confidence items; magnitude_finetune needs its prompts
    // and is left out (with a note to the log) when there is none and `conditions` is empty.
    workspace::Id selectionId = 0;
    std::vector<std::uint64_t> seeds = {1, 2, 3};
    std::vector<compare::Condition> conditions;  // empty: all
    eval::Scoring scoring = eval::Scoring::Letter;
    bool addBos = false;
    train::TrainOptions train;  // seed set per run
    // Store every fine-tuned checkpoint under the workspace's directory.
    bool keepCheckpoints = false;
    int bootstrapResamples = 2000;
    std::uint64_t bootstrapSeed = 0;
    std::string name = "comparison";
    std::string outputPath;  // also write the table as JSON here

    void validate() const;  // ParamsError
};

struct CompareResult {
    nlohmann::json table;  // what the workspace stores and compare::formatTable prints
    workspace::Id runId = 0;
    workspace::Id comparisonId = 0;
};

CompareResult runCompare(const CompareParams& params, Progress& progress = Progress::none(),
                         const Log& log = {});

}  // namespace prominence::study
