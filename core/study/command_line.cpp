#include "core/study/command_line.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <type_traits>
#include <utility>

#include "core/attribution/integration.h"
#include "core/study/field_mapping_json.h"
#include "core/train/schedule.h"

namespace prominence::study {
namespace {

class Argv {
public:
    explicit Argv(const std::string& subcommand) : argv_{"prominence-cli", subcommand} {}
    void add(const std::string& flag, const std::string& value) {
        argv_.push_back("--" + flag);
        argv_.push_back(value);
    }
    void flag(const std::string& flag) { argv_.push_back("--" + flag); }
    template <typename T>
    void addIfNot(const std::string& flag, const T& value, const T& fallback) {
        if (value == fallback) return;
        if constexpr (std::is_same_v<T, std::string>)
            add(flag, value);
        else if constexpr (std::is_floating_point_v<T>)
            add(flag, formatNumber(value));
        else
            add(flag, std::to_string(value));
    }
    std::vector<std::string> take() { return std::move(argv_); }

private:
    std::vector<std::string> argv_;
};

template <typename T>
std::string joined(const std::vector<T>& values) {
    std::string out;
    for (const T& v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
    return out;
}

[[noreturn]] void inexpressible(const std::string& what) {
    throw ParamsError("no prominence-cli flag sets " + what +
                      "; this step cannot be written as a command");
}

// Training options: the ones with a flag of their own as flags; any other that differs from the
// default has none (only a --train-config file sets it).
void addTrainOptions(Argv& a, const train::TrainOptions& t) {
    const train::TrainOptions d;
    a.addIfNot("lr", t.adamw.lr, d.adamw.lr);
    a.addIfNot("weight-decay", t.adamw.weightDecay, d.adamw.weightDecay);
    a.addIfNot("epochs", t.epochs, d.epochs);
    a.addIfNot("max-steps", t.maxSteps, d.maxSteps);
    a.addIfNot("batch-size", t.batchSize, d.batchSize);
    a.addIfNot("grad-accumulation", t.gradAccumulation, d.gradAccumulation);
    a.addIfNot("warmup-steps", t.warmupSteps, d.warmupSteps);
    a.addIfNot("schedule", train::scheduleName(t.schedule), train::scheduleName(d.schedule));
    a.addIfNot("max-grad-norm", t.maxGradNorm, d.maxGradNorm);
    a.addIfNot("patience", t.patience, d.patience);
    nlohmann::json rest = t.toJson(), restDefault = d.toJson();
    for (const char* flagged :
         {"lr", "weight_decay", "epochs", "max_steps", "batch_size", "grad_accumulation",
          "warmup_steps", "schedule", "max_grad_norm", "patience", "seed"}) {
        rest.erase(flagged);
        restDefault.erase(flagged);
    }
    for (auto it = rest.begin(); it != rest.end(); ++it)
        if (it.value() != restDefault.at(it.key()))
            inexpressible("the training option '" + it.key() + "' (it needs --train-config)");
    if (!t.checkpointDir.empty()) inexpressible("the training checkpoint directory");
}

}  // namespace

std::string formatNumber(double value) {
    char buf[40];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, value);
        if (std::strtod(buf, nullptr) == value) break;
    }
    return buf;
}

std::string shellQuote(const std::vector<std::string>& argv) {
    std::string out;
    for (const std::string& a : argv) {
        if (!out.empty()) out += ' ';
        const bool plain = !a.empty() && a.find_first_not_of(
                                             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                             "0123456789_@%+=:,./-") == std::string::npos;
        if (plain) {
            out += a;
            continue;
        }
        out += '\'';
        for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        out += '\'';
    }
    return out;
}

std::vector<std::string> commandLine(const EvalParams& p) {
    const EvalParams d;
    Argv a("eval");
    a.add("model", p.modelDir);
    a.add("benchmark", p.benchmarkPath);
    if (p.load.format != d.load.format) a.add("format", data::formatName(p.load.format));
    a.addIfNot("scoring", eval::scoringName(p.options.scoring),
               eval::scoringName(d.options.scoring));
    a.addIfNot("shots", p.options.shots, d.options.shots);
    a.addIfNot("limit", p.limit, d.limit);
    a.addIfNot("workspace", p.workspacePath, d.workspacePath);
    a.addIfNot("items", p.itemsPath, d.itemsPath);
    const data::FieldMapping& f = p.load.fields;
    for (const auto& [name, path] :
         {std::pair<const char*, const std::string&>{"question", f.question},
          {"choices", f.choices},
          {"answer", f.answer},
          {"context", f.context},
          {"id", f.id}})
        if (!path.empty()) a.add("field", std::string(name) + "=" + path);
    a.addIfNot("answer-encoding", answerEncodingName(f.encoding),
               answerEncodingName(d.load.fields.encoding));
    a.addIfNot("choice-text-key", f.choiceTextKey, d.load.fields.choiceTextKey);
    if (p.load.skipInvalid) a.flag("skip-invalid");
    a.addIfNot("language", p.load.language, d.load.language);
    a.addIfNot("tokenizer", p.tokenizer, d.tokenizer);
    a.addIfNot("fewshot-from", p.fewshotFrom, d.fewshotFrom);
    a.addIfNot("seed", p.options.seed, d.options.seed);
    if (p.options.shuffleOptions) a.flag("shuffle-options");
    if (!p.options.reuseContext) a.flag("no-context-reuse");
    a.addIfNot("batch-size", p.options.maxBatchRows, d.options.maxBatchRows);
    a.addIfNot("max-batch-tokens", p.options.maxBatchTokens, d.options.maxBatchTokens);
    if (p.options.addBos) a.flag("add-bos");
    a.addIfNot("dtype", p.dtype, d.dtype);
    a.addIfNot("device", p.device, d.device);
    if (p.select && p.select->threshold)
        a.add("select-threshold", formatNumber(*p.select->threshold));
    if (p.select && p.select->topK) a.add("select-top-k", std::to_string(*p.select->topK));
    a.addIfNot("selection", p.selectionName, d.selectionName);
    return a.take();
}

std::vector<std::string> commandLine(const SelectParams& p) {
    Argv a("select");
    a.add("workspace", p.workspacePath);
    a.add("run", std::to_string(p.runId));
    a.add("name", p.name);
    if (p.criteria.threshold) a.add("threshold", formatNumber(*p.criteria.threshold));
    if (p.criteria.topK) a.add("top-k", std::to_string(*p.criteria.topK));
    if (p.filter) {
        a.add("filter", p.filter->toJson().dump());
        if (!(p.sort == workspace::ItemSort{})) a.add("sort", p.sort.toString());
    }
    return a.take();
}

std::vector<std::string> commandLine(const AttributeParams& p) {
    const AttributeParams d;
    Argv a("attribute");
    a.add("workspace", p.workspacePath);
    if (p.resumeRunId != 0) a.add("resume", std::to_string(p.resumeRunId));
    if (p.selectionId != 0) a.add("selection", std::to_string(p.selectionId));
    a.addIfNot("model", p.modelDir, d.modelDir);
    // A resumed run keeps the attribution parameters it was started with.
    if (p.resumeRunId == 0) {
        const attribution::AttributionParams& x = p.attribution;
        const attribution::AttributionParams& dx = d.attribution;
        if (!x.layers.empty()) a.add("layer", joined(x.layers));
        a.addIfNot("steps", x.ig.steps, dx.ig.steps);
        a.addIfNot("rule", attribution::ruleName(x.ig.rule), attribution::ruleName(dx.ig.rule));
        a.addIfNot("objective", attribution::objectiveName(x.objective),
                   attribution::objectiveName(dx.objective));
        a.addIfNot("positions", attribution::positionModeName(x.positions),
                   attribution::positionModeName(dx.positions));
        a.addIfNot("baseline", attribution::baselineName(x.baseline),
                   attribution::baselineName(dx.baseline));
        a.addIfNot("chunk", x.ig.chunkSize, dx.ig.chunkSize);
        if (x.residualFlagThreshold != dx.residualFlagThreshold)
            inexpressible("the residual flag threshold");
        if (x.path != dx.path) inexpressible("the IG path (" + attribution::pathName(x.path) + ")");
    }
    if (!p.referenceSelections.empty()) a.add("reference-selection", joined(p.referenceSelections));
    if (!p.referenceRuns.empty()) a.add("reference-run", joined(p.referenceRuns));
    a.addIfNot("freq-threshold", p.aggregate.frequencyThreshold, d.aggregate.frequencyThreshold);
    if (p.aggregate.topItemsPerNeuron != d.aggregate.topItemsPerNeuron)
        inexpressible("top items per neuron");
    const attribution::ContrastParams& c = p.contrast;
    const attribution::ContrastParams& dc = d.contrast;
    a.addIfNot("contrast", attribution::contrastMethodName(c.method),
               attribution::contrastMethodName(dc.method));
    a.addIfNot("statistic", attribution::statisticName(c.statistic),
               attribution::statisticName(dc.statistic));
    if (c.topPercentIn != c.topPercentRef)
        inexpressible("different in-domain and reference top percentages");
    a.addIfNot("top-percent", c.topPercentIn, dc.topPercentIn);
    if (c.ratioSmoothing != dc.ratioSmoothing) inexpressible("the ratio smoothing");
    if (!c.excludeLayers.empty()) a.add("exclude-layers", joined(c.excludeLayers));
    a.addIfNot("top", p.top, d.top);
    a.addIfNot("name", p.name, d.name);
    if (!p.storeVectors) a.flag("no-vectors");
    return a.take();
}

}  // namespace prominence::study

namespace prominence::study {

std::vector<std::string> commandLine(const PruneParams& p) {
    const PruneParams d;
    Argv a("prune");
    a.add("workspace", p.workspacePath);
    a.add("policy", prune::policyName(p.policy.kind));
    const prune::PolicyParams& x = p.policy;
    const prune::PolicyParams& dx = d.policy;
    a.addIfNot("layer", x.layer, dx.layer);
    a.addIfNot("percent", x.percent, dx.percent);
    a.addIfNot("k", x.k, dx.k);
    a.addIfNot("threshold", x.threshold, dx.threshold);
    if (!x.layers.empty()) a.add("layers", joined(x.layers));
    a.addIfNot("neurons", x.neurons, dx.neurons);
    if (!x.positiveOnly) a.flag("include-nonpositive");
    if (p.scoresRun > 0) a.add("scores", std::to_string(p.scoresRun));
    a.addIfNot("kind", p.kind, d.kind);
    a.addIfNot("dataset", p.dataset, d.dataset);
    a.addIfNot("model", p.modelDir, d.modelDir);
    a.addIfNot("output", p.outputDir, d.outputDir);
    if (p.overwrite) a.flag("overwrite");
    a.add("output-mask", p.maskName);
    return a.take();
}

std::vector<std::string> commandLine(const PruneCheckpointParams& p) {
    Argv a("prune");
    a.add("model", p.modelDir);
    a.add("neurons", p.neurons);
    a.add("output", p.outputDir);
    if (p.overwrite) a.flag("overwrite");
    return a.take();
}

std::vector<std::string> commandLine(const FinetuneParams& p) {
    const FinetuneParams d;
    Argv a("finetune");
    a.add("model", p.modelDir);
    a.addIfNot("tokenizer", p.tokenizer, d.tokenizer);
    a.add("benchmark", p.benchmarkPath);
    if (p.format != d.format) a.add("format", data::formatName(p.format));
    a.addIfNot("train-file", p.trainFile, d.trainFile);
    a.addIfNot("shots", p.shots, d.shots);
    a.addIfNot("validation", p.validation, d.validation);
    a.addIfNot("scoring", train::answerStyleName(p.examples.style),
               train::answerStyleName(d.examples.style));
    if (p.examples.addBos) a.flag("add-bos");
    a.addIfNot("workspace", p.workspacePath, d.workspacePath);
    a.addIfNot("mask", p.mask, d.mask);
    a.addIfNot("neurons", p.neurons, d.neurons);
    addTrainOptions(a, p.train);
    // The finetune command always passes its seed (default 0) to the training options.
    a.addIfNot("seed", p.train.seed, d.train.seed);
    a.add("output", p.outputDir);
    if (p.overwrite) a.flag("overwrite");
    return a.take();
}

std::vector<std::string> commandLine(const ExportParams& p) {
    const ExportParams d;
    Argv a("export");
    a.add("model", p.modelDir);
    a.add("output", p.outputDir);
    a.addIfNot("workspace", p.workspacePath, d.workspacePath);
    a.addIfNot("mask", p.mask, d.mask);
    a.addIfNot("neurons", p.neurons, d.neurons);
    if (p.comparisonId != 0) a.add("comparison", std::to_string(p.comparisonId));
    a.addIfNot("max-shard-size", p.maxShardBytes, d.maxShardBytes);
    a.addIfNot("dtype", p.dtype, d.dtype);
    if (p.overwrite) a.flag("overwrite");
    return a.take();
}

std::vector<std::string> commandLine(const CompareParams& p) {
    const CompareParams d;
    Argv a("compare");
    a.add("workspace", p.workspacePath);
    a.add("model", p.modelDir);
    a.addIfNot("tokenizer", p.tokenizer, d.tokenizer);
    a.add("source", p.sourcePath);
    for (const std::string& t : p.transferPaths) a.add("transfer", t);
    a.addIfNot("limit", p.limit, d.limit);
    a.addIfNot("train-file", p.trainFile, d.trainFile);
    a.addIfNot("pool", p.pool, d.pool);
    a.addIfNot("split-seed", p.splitSeed, d.splitSeed);
    a.addIfNot("shots", p.shots, d.shots);
    a.add("mask", p.mask);
    if (p.selectionId != 0) a.add("selection", std::to_string(p.selectionId));
    if (p.seeds != d.seeds) a.add("seeds", joined(p.seeds));
    if (!p.conditions.empty()) {
        std::string names;
        for (compare::Condition c : p.conditions)
            names += (names.empty() ? "" : ",") + compare::conditionName(c);
        a.add("conditions", names);
    }
    a.addIfNot("scoring", eval::scoringName(p.scoring), eval::scoringName(d.scoring));
    if (p.addBos) a.flag("add-bos");
    // compare takes training options only from a file; its seed is set per run.
    train::TrainOptions t = p.train;
    t.seed = d.train.seed;
    if (t.toJson() != d.train.toJson() || !t.checkpointDir.empty())
        inexpressible("compare's training options (they need --train-config)");
    if (p.keepCheckpoints) a.flag("keep-checkpoints");
    a.addIfNot("bootstrap", p.bootstrapResamples, d.bootstrapResamples);
    a.addIfNot("bootstrap-seed", p.bootstrapSeed, d.bootstrapSeed);
    a.addIfNot("name", p.name, d.name);
    a.addIfNot("output", p.outputPath, d.outputPath);
    return a.take();
}

std::vector<std::string> commandLine(const PipelineParams& p) {
    if (p.configFile.empty())
        throw ParamsError("a pipeline runs from its configuration file: none is named");
    std::ifstream in(p.configFile, std::ios::binary);
    nlohmann::json onDisk;
    try {
        if (in) onDisk = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error&) {
        onDisk = nullptr;
    }
    if (onDisk != p.config)
        throw ParamsError(
            p.configFile +
            " does not hold this pipeline configuration: save it before copying the command");
    Argv a("run");
    a.add("config", p.configFile);
    return a.take();
}

std::vector<std::string> commandLine(const DemoParams& p) {
    const lab::DemoOptions& o = p.options;
    lab::DemoOptions expected = demoOptions(p.design, p.tiny);
    Argv a("demo");
    if (o.workspacePath.empty()) inexpressible("a demo without a workspace");
    a.add("workspace", o.workspacePath);
    if (p.design != "pair") a.add("lab", p.design);
    if (p.tiny) a.flag("tiny");
    a.addIfNot("seeds", o.seeds, expected.seeds);
    a.addIfNot("prune-percent", o.prunePercent, expected.prunePercent);
    if (o.untaggedFinetune != expected.untaggedFinetune) a.add("finetune-data", o.untaggedFinetune ? "untagged" : "tagged");
    if (o.contrast.excludeLayers != expected.contrast.excludeLayers)
        a.add("exclude-layers", o.contrast.excludeLayers.empty() ? std::string("none") : joined(o.contrast.excludeLayers));
    a.addIfNot("cache", o.cacheRoot, expected.cacheRoot);
    if (p.buildOnly) a.flag("build-only");
    else a.addIfNot("json", p.jsonPath, std::string());
    expected.seeds = o.seeds;
    expected.prunePercent = o.prunePercent;
    expected.untaggedFinetune = o.untaggedFinetune;
    expected.contrast.excludeLayers = o.contrast.excludeLayers;
    expected.cacheRoot = o.cacheRoot;
    expected.workspacePath = o.workspacePath;
    if (expected.toJson() != o.toJson()) inexpressible("these lab options (save the recipe and use --recipe FILE)");
    return a.take();
}

std::vector<std::string> commandLine(const AblateParams& p) {
    const AblateParams d;
    Argv a("ablate");
    a.add("workspace", p.workspacePath);
    a.addIfNot("mask", p.mask, d.mask);
    a.addIfNot("neurons", p.neurons, d.neurons);
    a.add("run", joined(p.evalRuns));
    a.addIfNot("bootstrap", p.bootstrap, d.bootstrap);
    a.addIfNot("bootstrap-seed", p.bootstrapSeed, d.bootstrapSeed);
    return a.take();
}

std::vector<std::string> commandLine(const SaveMaskParams& p) {
    Argv a("mask");
    a.add("workspace", p.workspacePath);
    a.add("save", p.name);
    std::string neurons;
    for (const workspace::NeuronRef& n : p.pruned)
        neurons += (neurons.empty() ? "" : ",") + std::to_string(n.layer) + ":" + std::to_string(n.neuron);
    a.add("neurons", neurons);
    if (p.layers != 0 || p.neurons != 0)
        a.add("shape", std::to_string(p.layers) + "x" + std::to_string(p.neurons));
    if (p.modelId) a.add("model-id", std::to_string(*p.modelId));
    if (!p.provenance.is_null() && p.provenance != nlohmann::json::object())
        a.add("provenance-json", p.provenance.dump());
    return a.take();
}

}  // namespace prominence::study
