#pragma once
// IG over a stored selection, with everything written to the workspace: one 'attribution' run per
// selection holding each item's per-layer IG (stored as soon as the item is finished, so a cancelled
// or killed run keeps it and resumeSelectionAttribution() continues it), the aggregated matrices
// (mean_ig, mean_abs_ig, freq, with per-neuron counts) and, for the in-domain selection, its contrast
// against reference runs. The items are rebuilt from the eval run behind the selection exactly as
// eval scored them: the prompt text it stored, tokenised the same way; the target is the gold
// option's first answer token (letter scoring: " A".." D"; loglik: the gold continuation's first
// token) and the margin objective's options are every option's first token.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/attribution/aggregate.h"
#include "core/attribution/contrast.h"
#include "core/attribution/params.h"
#include "core/attribution/run.h"
#include "core/eval/evaluator.h"
#include "core/jobs/progress.h"
#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"
#include "core/workspace/workspace.h"

namespace prominence::attribution {

// How the eval run behind a selection turned items into prompts (read from its stored params).
struct PromptEncoding {
    eval::Scoring scoring = eval::Scoring::Letter;
    bool addBos = false;

    // From an eval run's params ("scoring", "add_bos"); FormatError naming the run when absent.
    static PromptEncoding fromEvalRun(const workspace::RunRecord& run);
};

// The prompt's ids as eval encoded them (BOS when addBos, then the right-stripped prompt).
std::vector<std::int64_t> encodePrompt(const Tokenizer& tok, const std::string& prompt, bool addBos);

// The first token of `continuation` after `prompt`, tokenised together as eval tokenises them.
// InvalidArgument naming the item when the continuation adds no token.
std::int64_t firstAnswerToken(const Tokenizer& tok, const std::string& prompt, const std::string& continuation,
                              const std::string& itemId);

// One attribution item per (prompt, options, gold); `id` = the item's index in its eval run.
AttributionItem attributionItemFor(const Tokenizer& tok, const PromptEncoding& enc, std::int64_t index,
                                   const std::string& itemId, const std::string& prompt,
                                   const std::vector<std::string>& continuations, std::int64_t gold);

// The items of `indices` (in that order) of a stored eval run's results. InvalidArgument naming the
// index when the run does not hold it.
std::vector<AttributionItem> attributionItemsFromStored(const std::vector<workspace::ItemResult>& stored,
                                                        const std::vector<std::int64_t>& indices, const Tokenizer& tok,
                                                        const PromptEncoding& enc);
std::vector<AttributionItem> attributionItemsFromScores(const std::vector<eval::ItemScore>& scored,
                                                        const std::vector<std::int64_t>& indices, const Tokenizer& tok,
                                                        const PromptEncoding& enc);

struct SelectionAttributionOptions {
    AttributionParams params;  // params.baseline = Mean needs `meanBaseline`
    AggregateParams aggregate;
    std::vector<at::Tensor> meanBaseline;  // one [intermediate] vector per model layer, for BaselineKind::Mean
    std::string name;                      // run name; default "attribution/<dataset>/<selection name>"
    std::string dataset;                   // dataset label; default the eval run's benchmark name
    std::optional<workspace::Id> parentRunId;
    std::optional<workspace::Id> modelId;
    bool storeVectors = true;  // keep every item's [neurons] IG per layer (false: only f, delta, summary)
    nlohmann::json extraParams = nlohmann::json::object();  // recorded beside the parameters
};

struct SelectionAttribution {
    workspace::Id runId = 0;
    workspace::Id selectionId = 0;
    std::string dataset;       // the selection's benchmark name
    NeuronScores scores;       // aggregated over every item of the run (resumed items included)
    RunSummary summary;
    workspace::Id meanIgId = 0, meanAbsIgId = 0, freqId = 0;
};

// A new 'attribution' run over the selection's items. Each finished item is committed with its own
// transaction; on Cancelled the run is marked cancelled (its items kept) and the exception rethrown;
// on any other error it is marked failed. The run is left 'running' on success when `keepOpen` (so a
// contrast can be stored in it), else finished.
SelectionAttribution attributeSelection(workspace::Workspace& ws, const Model& model, const Tokenizer& tok,
                                        workspace::Id selectionId, const SelectionAttributionOptions& options,
                                        bool keepOpen = false, Progress& progress = Progress::none());

// Continues a cancelled, failed or incomplete attribution run with the parameters it was started
// with: items it holds are skipped and re-read for the aggregate. `meanBaseline` must be given again
// for a mean-baseline run (recompute it from the same selections).
SelectionAttribution resumeSelectionAttribution(workspace::Workspace& ws, const Model& model, const Tokenizer& tok,
                                                workspace::Id runId, const std::vector<at::Tensor>& meanBaseline,
                                                bool keepOpen = false, Progress& progress = Progress::none());

// The mean_ig / mean_abs_ig / freq matrices of a completed attribution run (for a contrast against a
// reference attributed earlier). topIg/topItems are not stored and come back empty.
NeuronScores loadStoredScores(workspace::Workspace& ws, workspace::Id attributionRunId);

// The items behind one neuron of an attribution run: (item index, item id, IG) of the `k` items with
// the largest IG at (layer, neuron), best first, read from the stored per-item vectors ("top items for
// this neuron"). InvalidArgument when the run kept no vectors or did not attribute the layer.
struct NeuronItem {
    std::int64_t itemIndex = 0;
    std::string itemId;
    double ig = 0;
};
std::vector<NeuronItem> topItemsForNeuron(workspace::Workspace& ws, workspace::Id attributionRunId, int layer,
                                          std::int64_t neuron, std::size_t k);

// Stores contrast(inDomain, references) as neuron scores of kind "contrast_<ref+ref>" in `runId` (which
// must be running) and returns its id.
workspace::Id storeContrast(workspace::Workspace& ws, workspace::Id runId, const std::string& dataset,
                            std::optional<workspace::Id> selectionId, const NeuronScores& inDomain,
                            const std::vector<const NeuronScores*>& references,
                            const std::vector<std::string>& referenceNames, const ContrastParams& params,
                            ContrastResult* result = nullptr);

}  // namespace prominence::attribution
