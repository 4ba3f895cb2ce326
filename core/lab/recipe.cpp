#include "core/lab/recipe.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "core/common/error.h"
#include "core/data/benchmark_loader.h"
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
    r.pretrainSteps = 20;
    r.pretrainBatch = 16;
    r.pretrainWarmup = 5;
    return r;
}

nlohmann::json LabRecipe::toJson() const {
    return {{"lab_version", kLabVersion}, {"data_seed", dataSeed}, {"model_seed", modelSeed},
            {"eval_items", evalItems}, {"train_items_per_task", trainItemsPerTask},
            {"ambiguous_fraction", ambiguousFraction}, {"hidden", hidden}, {"layers", layers}, {"heads", heads},
            {"intermediate", intermediate}, {"pretrain", pretrainOptions().toJson()}};
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
    t.seed = pretrainSeed;
    t.padId = kPadId;
    return t;
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
    std::vector<train::TrainExample> examples;
    for (const auto& corpus : corpora) {
        const data::Benchmark bench = data::loadBenchmark(tmp + "/benchmarks/" + corpus.first + ".jsonl");
        const auto ex = train::mcExamples(bench.items, tokenizer, {train::AnswerStyle::Letter, false});
        examples.insert(examples.end(), ex.begin(), ex.end());
    }
    progress.setStage("lab: pretraining the model");
    const auto trainStart = std::chrono::steady_clock::now();
    const train::TrainResult report = train::train(*model, examples, {}, recipe.pretrainOptions(), progress);
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
              {"pretrain", {{"first_loss", meanLoss(true)}, {"last_loss", meanLoss(false)}, {"steps", report.steps},
                           {"seconds", trainSeconds}}}};
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
