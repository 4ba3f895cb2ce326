#pragma once
// Rows of the workspace as plain structs: what callers write and what readers get back. Ids are the
// tables' INTEGER PRIMARY KEYs (0 = not yet stored); times are UTC ISO 8601 strings set by the
// workspace. docs/workspace.md maps each struct to its table.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace prominence::workspace {

using Id = std::int64_t;
using Json = nlohmann::json;

// A checkpoint directory as used by a run. The hashes identify its contents (config.json and the
// safetensors headers); they are computed by core/model and stored here as given.
struct ModelRecord {
    Id id = 0;
    std::string path;
    std::string name;
    std::string architecture;
    std::string configHash;
    std::string weightsHash;
    Json info = Json::object();  // layers, hidden size, ... as `info --model` prints them
    std::string addedAt;
};

struct BenchmarkRecord {
    Id id = 0;
    std::string path;
    std::string name;
    std::string hash;    // of the file's bytes
    std::string format;  // arc, openbookqa, mmlu_csv, jsonl, ...
    Json fieldMapping = Json::object();  // generic files: {"question": "...", "answer_encoding": ...}
    std::int64_t itemCount = 0;
    std::string addedAt;
};

enum class RunStatus {
    Running,     // being written by a live process
    Completed,   // finished; its results are final and readable
    Cancelled,   // stopped on request; keeps its finished items and can be resumed
    Failed,      // stopped by an error (message in RunRecord::error); can be resumed
    Incomplete,  // its process died while running (found on open); can be resumed
};
std::string runStatusName(RunStatus status);
// Throws StorageError for a string that is none of the statuses.
RunStatus runStatusFromName(const std::string& text);

// A run that this one consumed: the eval run an attribution used, the two evals a comparison set
// side by side, ...
struct RunInput {
    Id runId = 0;
    std::string role;  // "eval", "before", "after", "reference", ...
    bool operator==(const RunInput& o) const { return runId == o.runId && role == o.role; }
};

struct RunStart {
    std::string kind;  // eval, attribution, prune, finetune, compare, export, pipeline, demo
    std::string name;
    std::optional<Id> modelId;
    std::optional<Id> benchmarkId;
    std::optional<Id> parentRunId;  // the pipeline run this step belongs to
    std::vector<RunInput> inputs;
    Json params = Json::object();  // every parameter that determines the result
};

struct RunRecord {
    Id id = 0;
    std::string kind;
    std::string name;
    std::optional<Id> modelId;
    std::optional<Id> benchmarkId;
    std::optional<Id> parentRunId;
    std::vector<RunInput> inputs;
    Json params = Json::object();
    Json summary = Json::object();  // e.g. {"n": 100, "acc": 0.61}
    std::string prominenceVersion;
    RunStatus status = RunStatus::Running;
    std::string error;
    std::string startedAt;
    std::optional<std::string> endedAt;
    std::int64_t pid = 0;
    std::string hostname;
};

// One multiple-choice item scored by an eval run.
struct ItemResult {
    std::int64_t index = 0;  // 0-based position in the benchmark (after --limit/splits)
    std::string itemId;      // the benchmark's own id, or the index as text
    std::string prompt;      // exact context text given to the model
    std::vector<std::string> continuations;  // loglik: each choice's text; letter: the letters
    std::vector<double> scores;  // summed log-likelihood or letter log-prob per option
    std::vector<double> probs;
    std::int64_t pred = 0;
    std::int64_t gold = 0;
    bool correct = false;
    double pCorrect = 0.0;
    double margin = 0.0;  // p(pred) - p(second best); confidence for selections
    Json extra = Json::object();  // scoring-specific fields, e.g. {"pred_norm": 2}
};

// Named set of items of one completed eval run, e.g. its high-confidence correct answers.
struct Selection {
    Id id = 0;
    Id runId = 0;
    std::string name;
    Json criteria = Json::object();  // {"threshold": 0.9, "correct": true, ...}
    std::vector<std::int64_t> itemIndices;  // in selection order
    std::string createdAt;
};

// Integrated Gradients of one item at one layer.
struct IgItem {
    std::int64_t itemIndex = 0;
    std::string itemId;
    std::int64_t layer = 0;
    std::optional<std::int64_t> target;  // target token or option
    double fInput = 0.0;                 // f(x)
    double fBaseline = 0.0;              // f(baseline)
    double delta = 0.0;                  // completeness residual: sum(attr) - (f(x) - f(baseline))
    std::int64_t neurons = 0;            // intermediate size
    std::vector<float> attribution;      // [neurons], or empty when only the summary is kept
    Json summary = Json::object();       // e.g. top neurons
};

// An aggregated [layers x neurons] score matrix for one dataset.
struct NeuronScores {
    Id id = 0;
    Id runId = 0;
    std::string dataset;  // benchmark or selection name the scores were aggregated over
    std::optional<Id> benchmarkId;
    std::optional<Id> selectionId;
    std::string kind;  // mean_ig, mean_abs_ig, freq, contrast_<reference>, ...
    std::int64_t layers = 0;
    std::int64_t neurons = 0;
    std::vector<float> scores;          // row-major [layers, neurons]
    std::vector<std::int32_t> counts;   // per-neuron counts [layers, neurons], or empty
    std::int64_t itemCount = 0;         // items aggregated
    Json params = Json::object();
    std::string createdAt;
};

struct NeuronRef {
    std::int64_t layer = 0;
    std::int64_t neuron = 0;
    bool operator==(const NeuronRef& o) const { return layer == o.layer && neuron == o.neuron; }
};

struct MaskRecord {
    Id id = 0;
    std::string name;
    std::optional<Id> runId;    // the prune run that made it
    std::optional<Id> modelId;
    std::int64_t layers = 0;    // model shape the neuron list refers to
    std::int64_t neurons = 0;
    std::vector<NeuronRef> pruned;  // sorted by (layer, neuron) when read back
    Json provenance = Json::object();  // scores used, policy, thresholds, clicks
    std::string createdAt;
};

struct CheckpointRecord {
    Id id = 0;
    Id runId = 0;
    std::int64_t step = 0;
    std::string path;
    std::optional<Id> maskId;
    Json metrics = Json::object();
    std::string createdAt;
};

struct ComparisonRecord {
    Id id = 0;
    Id runId = 0;
    std::string name;
    Json table = Json::object();  // rows of benchmark x model variant
    std::string createdAt;
};

// A file or directory written for users outside the workspace: pruned checkpoint, report, ...
struct ExportRecord {
    Id id = 0;
    std::optional<Id> runId;
    std::optional<Id> maskId;
    std::string kind;  // hf_checkpoint, report_pdf, items_jsonl, ...
    std::string path;
    Json meta = Json::object();
    std::string createdAt;
};

// Any other file a run produced (safetensors of IG, logs, plots).
struct ArtifactRecord {
    Id id = 0;
    std::optional<Id> runId;
    std::string kind;
    std::string path;
    Json meta = Json::object();
    std::string createdAt;
};

}  // namespace prominence::workspace
