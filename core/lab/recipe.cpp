#include "core/lab/recipe.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "core/common/error.h"
#include "core/data/benchmark_loader.h"
#include "core/data/sampling.h"
#include "core/lab/benchmark_generator.h"
#include "core/lab/lab_tokenizer.h"
#include "core/lab/lab_vocabulary.h"
#include "core/model/config.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/few_shot.h"

namespace fs = std::filesystem;

namespace prominence::lab {
namespace {

std::uint64_t fnv1a(const std::string& s) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

void writeText(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out || !(out << text) || !out.flush()) throw StorageError("lab: cannot write '" + path + "'");
}

// Test splits are drawn with stream 1 of the data seed, training corpora with stream 2 and without any
// test item, so no evaluated question was seen in training.
std::uint64_t testSeed(const LabRecipe& r) { return r.dataSeed * 2 + 1; }
std::uint64_t trainSeed(const LabRecipe& r) { return r.dataSeed * 2 + 2; }

}  // namespace

LabRecipe LabRecipe::tiny() {
    LabRecipe r;
    r.evalItems = 24;
    r.trainItemsPerTask = 64;
    r.hidden = 32;
    r.layers = 2;
    r.heads = 2;
    r.intermediate = 64;
    r.skillSteps = 0;
    r.pretrainSteps = 20;
    r.pretrainBatch = 16;
    r.pretrainWarmup = 5;
    return r;
}

nlohmann::json LabRecipe::toJson() const {
    return {{"lab_version", kLabVersion}, {"data_seed", dataSeed}, {"model_seed", modelSeed},
            {"eval_items", evalItems}, {"train_items_per_task", trainItemsPerTask},
            {"ambiguous_fraction", ambiguousFraction}, {"cue", cue}, {"hidden", hidden}, {"layers", layers}, {"heads", heads},
            {"intermediate", intermediate}, {"skill_steps", skillSteps}, {"skill", skillOptions().toJson()},
            {"shortcut_mlp_layer", shortcutMlpLayer}, {"shortcut_neurons", shortcutNeurons},
            {"shortcut_attention", shortcutAttention}, {"shortcut_lr", shortcutLr},
            {"shortcut_attention_lr", shortcutAttentionLr},
            {"pretrain", pretrainOptions().toJson()}};
}

void LabRecipe::useReservedNeuronDesign(int neuronsPerLayer) {
    cue = "single";
    shortcutMlpLayer = -1;
    shortcutNeurons = neuronsPerLayer;
    shortcutAttention = "routing-first";
    shortcutLr = 1e-2;
    shortcutAttentionLr = 3e-3;
}

LabRecipe LabRecipe::reservedNeurons() {
    LabRecipe r;
    r.useReservedNeuronDesign(16);
    r.skillSteps = 800;
    r.pretrainSteps = 400;
    return r;
}

LabRecipe LabRecipe::fromJson(const nlohmann::json& j, const std::string& source) { return fromJson(j, source, LabRecipe{}); }

LabRecipe LabRecipe::fromJson(const nlohmann::json& j, const std::string& source, const LabRecipe& base) {
    if (!j.is_object()) throw FormatError(source + ": a lab recipe must be a JSON object");
    LabRecipe r = base;
    auto u64 = [&](const std::string& key, std::uint64_t& out) {
        if (!j.at(key).is_number_unsigned()) throw FormatError(source + ": '" + key + "' must be a non-negative integer");
        out = j.at(key).get<std::uint64_t>();
    };
    auto i32 = [&](const std::string& key, int& out) {
        if (!j.at(key).is_number_integer()) throw FormatError(source + ": '" + key + "' must be an integer");
        const auto v = j.at(key).get<std::int64_t>();
        if (v < 0 || v > 100000000) throw InvalidArgument(source + ": '" + key + "' = " + std::to_string(v) + " is out of range");
        out = static_cast<int>(v);
    };
    auto real = [&](const std::string& key, double& out) {
        if (!j.at(key).is_number()) throw FormatError(source + ": '" + key + "' must be a number");
        out = j.at(key).get<double>();
    };
    for (const auto& [key, value] : j.items()) {
        (void)value;
        if (key == "lab_version") {
            if (!value.is_number_integer() || value.get<int>() != kLabVersion)
                throw FormatError(source + ": 'lab_version' " + value.dump() + " is not this build's " +
                                  std::to_string(kLabVersion));
        } else if (key == "data_seed") u64(key, r.dataSeed);
        else if (key == "model_seed") u64(key, r.modelSeed);
        else if (key == "eval_items") i32(key, r.evalItems);
        else if (key == "train_items_per_task") i32(key, r.trainItemsPerTask);
        else if (key == "ambiguous_fraction") real(key, r.ambiguousFraction);
        else if (key == "hidden") i32(key, r.hidden);
        else if (key == "layers") i32(key, r.layers);
        else if (key == "heads") i32(key, r.heads);
        else if (key == "intermediate") i32(key, r.intermediate);
        else if (key == "skill_steps") i32(key, r.skillSteps);
        else if (key == "pretrain_steps") i32(key, r.pretrainSteps);
        else if (key == "pretrain_batch") i32(key, r.pretrainBatch);
        else if (key == "pretrain_lr") real(key, r.pretrainLr);
        else if (key == "pretrain_warmup") i32(key, r.pretrainWarmup);
        else if (key == "pretrain_seed") u64(key, r.pretrainSeed);
        else if (key == "pretrain_workers") i32(key, r.pretrainWorkers);
        else if (key == "shortcut_mlp_layer") {
            if (!value.is_number_integer()) throw FormatError(source + ": 'shortcut_mlp_layer' must be an integer");
            r.shortcutMlpLayer = value.get<int>();
        }
        else if (key == "shortcut_neurons") i32(key, r.shortcutNeurons);
        else if (key == "shortcut_lr") real(key, r.shortcutLr);
        else if (key == "shortcut_attention_lr") real(key, r.shortcutAttentionLr);
        else if (key == "cue") {
            if (!value.is_string()) throw FormatError(source + ": 'cue' must be \"pair\" or \"single\"");
            r.cue = value.get<std::string>();
        }
        else if (key == "shortcut_attention") {
            if (!value.is_string()) throw FormatError(source + ": 'shortcut_attention' must be a string (docs/shortcut-lab.md)");
            r.shortcutAttention = value.get<std::string>();
        }
        else throw FormatError(source + ": unknown lab recipe key '" + key + "'");
    }
    try {
        r.validate();
    } catch (const InvalidArgument& e) {
        throw InvalidArgument(source + ": " + e.what());
    }
    return r;
}

void LabRecipe::validate() const {
    auto need = [](bool ok, const std::string& what) {
        if (!ok) throw InvalidArgument("lab recipe: " + what);
    };
    need(evalItems >= 4, "eval_items must be >= 4");
    need(trainItemsPerTask >= 1, "train_items_per_task must be >= 1");
    need(ambiguousFraction >= 0 && ambiguousFraction <= 1, "ambiguous_fraction must be in [0, 1]");
    need(hidden >= 4 && heads >= 1 && hidden % heads == 0 && (hidden / heads) % 2 == 0,
         "hidden must be a multiple of heads with an even head size");
    need(layers >= 2, "layers must be >= 2 (layer 0 is excluded from selection)");
    need(intermediate >= 4, "intermediate must be >= 4");
    need(pretrainSteps >= 1, "pretrain_steps must be >= 1");
    need(pretrainBatch >= 1, "pretrain_batch must be >= 1");
    need(shortcutMlpLayer >= -1 && shortcutMlpLayer < layers, "shortcut_mlp_layer must be -1 or a layer index");
    need(shortcutNeurons >= 0 && shortcutNeurons < intermediate, "shortcut_neurons must be in [0, intermediate)");
    need(shortcutNeurons == 0 || shortcutMlpLayer < 0, "shortcut_neurons and shortcut_mlp_layer exclude each other");
    need(shortcutAttention == "full" || shortcutAttention == "routing" || shortcutAttention == "routing-first" ||
             shortcutAttention == "none",
         "shortcut_attention must be \"full\", \"routing\", \"routing-first\" or \"none\"");
    need(shortcutLr >= 0 && shortcutLr < 1, "shortcut_lr must be in [0, 1)");
    need(shortcutAttentionLr >= 0 && shortcutAttentionLr < 1, "shortcut_attention_lr must be in [0, 1)");
    need(cue == "pair" || cue == "single", "cue must be \"pair\" or \"single\"");
    need(pretrainWorkers >= 1 && pretrainWorkers <= 64, "pretrain_workers must be in [1, 64]");
    need(pretrainLr > 0 && pretrainLr < 1, "pretrain_lr must be in (0, 1)");
}

train::TrainOptions LabRecipe::skillOptions() const {
    train::TrainOptions t = pretrainOptions();
    t.trainablePrefixes.clear();
    t.trainableNeurons.reset();
    t.adamw.lr = pretrainLr;
    t.lrScales.clear();
    if (shortcutNeurons > 0) {
        const prune::PruneMask reserved = shortcutNeuronMask();
        prune::PruneMask rest(layers, intermediate);
        for (int l = 0; l < layers; ++l)
            for (std::int64_t n = 0; n < intermediate; ++n)
                if (!reserved.contains({l, n})) rest.add({l, n});
        t.trainableNeurons = rest;
    }
    t.maxSteps = std::max(1, skillSteps);
    t.seed = pretrainSeed + 1000;
    return t;
}

train::TrainOptions LabRecipe::pretrainOptions() const {
    train::TrainOptions t;
    t.adamw.lr = pretrainLr;
    t.adamw.weightDecay = 0.01;
    t.schedule = train::ScheduleKind::Cosine;
    t.warmupSteps = pretrainWarmup;
    t.minLrRatio = 0.1;
    t.maxSteps = pretrainSteps;
    t.batchSize = pretrainBatch;
    t.maxGradNorm = 1.0;
    t.workers = pretrainWorkers;
    t.seed = pretrainSeed;
    if (shortcutMlpLayer >= 0) {
        for (int l = 0; l < layers; ++l) t.trainablePrefixes.push_back("model.layers." + std::to_string(l) + ".self_attn.");
        t.trainablePrefixes.push_back("model.layers." + std::to_string(shortcutMlpLayer) + ".mlp.");
    }
    if (shortcutNeurons > 0) {
        for (int l = 0; l < layers; ++l) {
            const std::string attn = "model.layers." + std::to_string(l) + ".self_attn.";
            if (shortcutAttention == "full") t.trainablePrefixes.push_back(attn);
            if (shortcutAttention == "routing" || (shortcutAttention == "routing-first" && l == 0)) {
                t.trainablePrefixes.push_back(attn + "q_proj.");
                t.trainablePrefixes.push_back(attn + "k_proj.");
            }
            t.trainablePrefixes.push_back("model.layers." + std::to_string(l) + ".mlp.");
        }
        t.trainableNeurons = shortcutNeuronMask();
        if (shortcutLr > 0) t.adamw.lr = shortcutLr;
        if (shortcutAttentionLr > 0)
            for (int l = 0; l < layers; ++l)
                t.lrScales["model.layers." + std::to_string(l) + ".self_attn."] = shortcutAttentionLr / t.adamw.lr;
    }
    t.padId = kPadId;
    return t;
}

prune::PruneMask LabRecipe::shortcutNeuronMask() const {
    prune::PruneMask m(layers, intermediate);
    for (int l = 0; l < layers && shortcutNeurons > 0; ++l) {
        data::SeededRng rng(data::deriveSeed(modelSeed * 7919 + 17, static_cast<std::uint64_t>(l)));
        for (std::size_t n : data::sampleIndices(static_cast<std::size_t>(intermediate), static_cast<std::size_t>(shortcutNeurons), rng))
            m.add({l, static_cast<std::int64_t>(n)});
    }
    return m;
}

std::string LabRecipe::hash() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a(toJson().dump())));
    return buf;
}

nlohmann::json LabRecipe::modelConfigJson(std::int64_t vocabSize) const {
    return {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"vocab_size", vocabSize},
            {"hidden_size", hidden}, {"intermediate_size", intermediate}, {"num_hidden_layers", layers},
            {"num_attention_heads", heads}, {"num_key_value_heads", heads}, {"max_position_embeddings", 256},
            {"rms_norm_eps", 1e-5}, {"hidden_act", "silu"}, {"initializer_range", 0.02},
            {"tie_word_embeddings", false}, {"rope_theta", 10000.0}, {"bos_token_id", kBosId},
            {"eos_token_id", kEosId}, {"pad_token_id", kPadId}, {"torch_dtype", "float32"}};
}

const std::vector<std::string>& evalBenchmarkNames() {
    static const std::vector<std::string> names = {"source", "source_conflict", "member", "outlier", "outlier_tagged"};
    return names;
}

std::string sourceTrainName() { return "source_train"; }

std::string defaultCacheRoot() {
    if (const char* p = std::getenv("PROMINENCE_LAB_CACHE"); p != nullptr && *p != '\0') return p;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0')
        return std::string(x) + "/prominence/lab";
    if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') return std::string(h) + "/.cache/prominence/lab";
    return (fs::temp_directory_path() / "prominence-lab").string();
}

LabBuild buildLab(const LabRecipe& recipe, const std::string& cacheRoot, Progress& progress) {
    const auto start = std::chrono::steady_clock::now();
    LabBuild b;
    b.dir = cacheRoot + "/" + recipe.hash();
    b.modelDir = b.dir + "/model";
    b.benchmarkDir = b.dir + "/benchmarks";
    const std::string infoPath = b.dir + "/lab.json";
    if (fs::exists(infoPath)) {
        std::ifstream in(infoPath);
        try {
            b.info = nlohmann::json::parse(in);
            b.fromCache = true;
            b.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            return b;
        } catch (const nlohmann::json::exception&) {
            // A cache entry that does not parse is rebuilt below.
        }
    }
    std::error_code ec;
    fs::create_directories(cacheRoot, ec);
    if (ec) throw StorageError("lab: cannot create cache directory '" + cacheRoot + "': " + ec.message());
    const std::string tmp = b.dir + ".tmp-" + std::to_string(::getpid());
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp + "/benchmarks");
    fs::create_directories(tmp + "/model");

    progress.setStage("lab: generating benchmarks");
    GeneratorOptions gen;
    gen.ambiguousFraction = recipe.ambiguousFraction;
    gen.singleTag = recipe.cue == "single";
    std::vector<LabItem> tests;
    for (const std::string& name : evalBenchmarkNames()) {
        auto items = generateTask(parseTask(name), recipe.evalItems, testSeed(recipe), gen);
        writeJsonl(tmp + "/benchmarks/" + name + ".jsonl", items);
        tests.insert(tests.end(), items.begin(), items.end());
    }
    const std::vector<std::pair<std::string, LabTask>> corpora = {
        {"member_train", LabTask::Member}, {"outlier_train", LabTask::Outlier}, {sourceTrainName(), LabTask::Source}};
    for (const auto& [name, task] : corpora)
        writeJsonl(tmp + "/benchmarks/" + name + ".jsonl",
                   generateTaskExcluding(task, recipe.trainItemsPerTask, trainSeed(recipe), tests, gen));

    const std::int64_t vocab = writeLabTokenizer(tmp + "/model", vocabularyChunks());
    const Tokenizer tokenizer = Tokenizer::load(tmp + "/model");
    const ModelConfig config = ModelConfig::fromJson(recipe.modelConfigJson(vocab), "lab recipe");
    std::unique_ptr<Model> model = Model::createFromConfig(config, recipe.modelSeed);

    // Loss on the gold letter after the letter prompt, tokenised as `eval --scoring letter` does.
    std::vector<train::TrainExample> examples, skillExamples;
    for (const auto& corpus : corpora) {
        const data::Benchmark bench = data::loadBenchmark(tmp + "/benchmarks/" + corpus.first + ".jsonl");
        const auto ex = train::mcExamples(bench.items, tokenizer, {train::AnswerStyle::Letter, false});
        examples.insert(examples.end(), ex.begin(), ex.end());
        if (corpus.second != LabTask::Source) skillExamples.insert(skillExamples.end(), ex.begin(), ex.end());
    }
    const auto trainStart = std::chrono::steady_clock::now();
    nlohmann::json curve = nlohmann::json::array();
    auto logCurve = [&](const std::string& stage, const train::TrainResult& r) {
        // Mean loss per 50 steps: enough to see when the skill and the shortcut are learned.
        for (std::size_t i = 0; i < r.history.size(); i += 50) {
            double s = 0;
            std::size_t n = 0;
            for (std::size_t k = i; k < std::min(r.history.size(), i + 50); ++k, ++n) s += r.history[k].loss;
            curve.push_back({{"stage", stage}, {"step", r.history[i].step}, {"loss", s / static_cast<double>(n)}});
        }
    };
    nlohmann::json stages = nlohmann::json::object();
    if (recipe.skillSteps > 0) {
        progress.setStage("lab: pretraining the skill (tag-free corpora)");
        const train::TrainResult skill = train::train(*model, skillExamples, {}, recipe.skillOptions(), progress);
        logCurve("skill", skill);
        stages["skill_last_loss"] = skill.history.empty() ? 0.0 : skill.history.back().loss;
    }
    progress.setStage("lab: pretraining the model");
    const train::TrainResult report = train::train(*model, examples, {}, recipe.pretrainOptions(), progress);
    logCurve("all", report);
    const double trainSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - trainStart).count();
    model->saveCheckpoint(tmp + "/model");
    auto meanLoss = [&](bool first) {
        const std::size_t n = std::min<std::size_t>(10, report.history.size());
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) s += report.history[first ? i : report.history.size() - 1 - i].loss;
        return n ? s / static_cast<double>(n) : 0.0;
    };

    b.info = {{"recipe", recipe.toJson()}, {"hash", recipe.hash()}, {"vocab_size", vocab},
              {"parameters", model->parameterCount()}, {"train_examples", examples.size()},
              {"shortcut_neurons", recipe.shortcutNeuronMask().format()},
              {"pretrain", {{"first_loss", meanLoss(true)}, {"last_loss", meanLoss(false)}, {"steps", report.steps},
                           {"skill_steps", recipe.skillSteps}, {"seconds", trainSeconds}, {"curve", curve}}}};
    writeText(tmp + "/lab.json", b.info.dump(2) + "\n");
    fs::rename(tmp, b.dir, ec);
    if (ec) {
        // Another process finished the same recipe first: its entry is as good as ours.
        fs::remove_all(tmp, ec);
        if (!fs::exists(infoPath)) throw StorageError("lab: cannot move '" + tmp + "' to '" + b.dir + "'");
    }
    b.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return b;
}

}  // namespace prominence::lab
