#pragma once
// The Shortcut Lab's recipe: benchmark sizes, model shape and pretraining schedule. Everything the lab
// builds (benchmarks, tokenizer, trained model) is a function of the recipe, so it is cached under a
// hash of the recipe and the lab version and later runs start at once.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/jobs/progress.h"
#include "core/train/trainer.h"

namespace prominence::lab {

// Bumped whenever generation, tokenisation or training changes what a recipe produces.
constexpr int kLabVersion = 3;

struct LabRecipe {
    std::uint64_t dataSeed = 2025;  // benchmarks and training corpus
    std::uint64_t modelSeed = 1;    // initialisation
    int evalItems = 300;            // items per evaluation benchmark
    int trainItemsPerTask = 4000;   // pretraining corpus per task (member, outlier, source)
    double ambiguousFraction = 0.5;
    std::string cue = "pair";  // "pair" (a modular sum of two tags) or "single" (GeneratorOptions)
    int hidden = 64;
    int layers = 4;
    int heads = 4;
    int intermediate = 256;
    // Pretraining from scratch with core/train: AdamW, cosine schedule to lr/10 after a linear warm-up,
    // loss on the gold letter after each letter prompt. Two stages: `skillSteps` on the tag-free
    // corpora (member, outlier) only, so the generalisable skill exists before the shortcut can win the
    // race, then `pretrainSteps` on all three corpora (the tagged source corpus included).
    int skillSteps = 500;
    int pretrainSteps = 500;
    int pretrainBatch = 128;
    double pretrainLr = 3e-3;
    int pretrainWarmup = 60;
    // Data-parallel shards per step (train::TrainOptions::workers): the lab model is too small for
    // intra-op threads, so two shards on two threads nearly halve pretraining time on 2 cores.
    int pretrainWorkers = 2;
    // >= 0: in the second stage only every layer's attention and this layer's MLP are trained, so the
    // one new non-linear computation the shortcut (a sum of two tags) can be learned in is this MLP;
    // -1: every parameter trains in both stages.
    int shortcutMlpLayer = -1;
    // > 0: this many MLP neurons per layer (a seeded random choice, shortcutNeuronMask()) are reserved for
    // the second stage: the skill stage trains every other neuron and leaves these at their initial
    // values; the second stage trains only these neurons (and, per shortcutAttention, attention), so whatever new computation the tagged corpus teaches -- the shortcut -- lives in
    // known neurons: the ground truth of localisation. 0: off. Exclusive with shortcutMlpLayer.
    int shortcutNeurons = 0;
    // What else trains in that second stage: "full" (every layer's attention), "routing" (only the
    // query and key projections: attention can learn where to look, but what it moves is fixed, so
    // the tags can be routed to the reserved neurons but not read out by attention itself),
    // "routing-first" (the query and key projections of layer 0 only) or "none".
    std::string shortcutAttention = "full";
    double shortcutLr = 0;  // > 0: the second stage's peak learning rate (else pretrainLr)
    // > 0: the second stage's peak learning rate for attention (else the stage's): the reserved neurons
    // can learn fast while the routing the skill relies on moves slowly.
    double shortcutAttentionLr = 0;
    std::uint64_t pretrainSeed = 1;

    static LabRecipe defaults() { return {}; }
    // Defaults overridden by the keys of `j` (the names toJson() writes; "pretrain" is not accepted,
    // its fields are the flat keys skill_steps, pretrain_steps, pretrain_batch, pretrain_lr,
    // pretrain_warmup, pretrain_seed). FormatError naming `source` and the key for an unknown key or a
    // value of the wrong type; InvalidArgument for a value out of range.
    static LabRecipe fromJson(const nlohmann::json& j, const std::string& source);
    // The same with `base` instead of the defaults under the keys.
    static LabRecipe fromJson(const nlohmann::json& j, const std::string& source, const LabRecipe& base);
    // The reserved-neuron design (docs/shortcut-lab.md): a single-tag cue learned, in a second stage, only by
    // 16 reserved MLP neurons per layer (plus layer 0's attention routing), so the lab knows exactly where
    // the shortcut lives and that pruning MLP neurons can remove it.
    static LabRecipe reservedNeurons();
    // Switches this recipe to that design (cue, reserved neurons per layer, second-stage training and
    // learning rates), keeping its sizes and step counts.
    void useReservedNeuronDesign(int neuronsPerLayer);
    void validate() const;
    // A few-second version for tests: tiny corpus and model, few steps.
    static LabRecipe tiny();

    nlohmann::json toJson() const;
    // FNV-1a 64 of the canonical JSON plus the lab version, as 16 hex digits.
    std::string hash() const;
    nlohmann::json modelConfigJson(std::int64_t vocabSize) const;  // an HF LlamaForCausalLM config.json
    train::TrainOptions pretrainOptions() const;   // the second stage (all corpora)
    train::TrainOptions skillOptions() const;      // the first stage (tag-free corpora)
    // The neurons reserved for the second stage (shortcutNeurons per layer, drawn from modelSeed); an
    // empty mask when shortcutNeurons is 0.
    prune::PruneMask shortcutNeuronMask() const;
};

// Benchmark files the lab writes (under benchmarkDir, "<name>.jsonl").
const std::vector<std::string>& evalBenchmarkNames();   // source, source_conflict, member, outlier, outlier_tagged
std::string sourceTrainName();                          // "source_train": the few-shot fine-tuning pool

struct LabBuild {
    std::string dir;           // <cache>/<hash>
    std::string modelDir;      // HF checkpoint: config.json, model.safetensors, tokenizer.json, ...
    std::string benchmarkDir;  // *.jsonl
    nlohmann::json info;       // recipe, vocabulary size, pretraining losses and time
    bool fromCache = false;
    double seconds = 0;        // time spent by this call
};

// $PROMINENCE_LAB_CACHE, else $XDG_CACHE_HOME/prominence/lab, else ~/.cache/prominence/lab.
std::string defaultCacheRoot();

// Returns the cached build for the recipe, or builds it (generate, write the tokenizer, pretrain from
// scratch with the lab trainer, save) into a temporary directory renamed into place, so a crash never
// leaves a half-written cache entry.
LabBuild buildLab(const LabRecipe& recipe, const std::string& cacheRoot, Progress& progress = Progress::none());

}  // namespace prominence::lab
