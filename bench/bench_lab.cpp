// How fast does the Shortcut Lab pretrain, and under which thread mix? The lab model (the default recipe:
// Llama, 4 layers, hidden 64, MLP 256) is too small for intra-op threads to pay, so `demo` runs two
// data-parallel shards (TrainOptions::workers) with one LibTorch and one OpenBLAS thread each. This bench
// measures that choice: the same fresh model and corpus, a fixed number of pretraining steps (batch 128,
// the recipe's), under every (workers, intra-op threads, BLAS threads) combination, and prints ms per
// step with the ratio to the slowest. Also the second stage of a `shortcut_neurons` recipe (only
// reserved neurons and attention train), whose cost per step the docs quote.
//
//   bench_lab [steps]      (default 20 steps per configuration, after 3 warm-up steps)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/data/benchmark_loader.h"
#include "core/lab/benchmark_generator.h"
#include "core/lab/lab_tokenizer.h"
#include "core/lab/lab_vocabulary.h"
#include "core/lab/recipe.h"
#include "core/model/config.h"
#include "core/system/runtime.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/few_shot.h"
#include "core/train/trainer.h"

using namespace prominence;
namespace fs = std::filesystem;

namespace {

double msPerStep(const lab::LabRecipe& recipe, const ModelConfig& config, const std::vector<train::TrainExample>& examples,
                 train::TrainOptions o, int steps) {
    std::unique_ptr<Model> model = Model::createFromConfig(config, recipe.modelSeed);
    o.maxSteps = 3;  // warm-up: allocator, OpenMP pools
    train::train(*model, examples, {}, o);
    o.maxSteps = steps;
    const auto t0 = std::chrono::steady_clock::now();
    train::train(*model, examples, {}, o);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / steps;
}

}  // namespace

int main(int argc, char** argv) {
    const int steps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
    const lab::LabRecipe recipe = lab::LabRecipe::defaults();
    const fs::path dir = fs::temp_directory_path() / ("bench-lab-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::int64_t vocab = lab::writeLabTokenizer(dir.string(), lab::vocabularyChunks());
    const Tokenizer tok = Tokenizer::load(dir.string());
    std::vector<train::TrainExample> examples;
    for (lab::LabTask task : {lab::LabTask::Member, lab::LabTask::Outlier, lab::LabTask::Source}) {
        const std::string path = (dir / "corpus.jsonl").string();
        lab::writeJsonl(path, lab::generateTask(task, 1000, 7));
        const auto ex = train::mcExamples(data::loadBenchmark(path).items, tok, {train::AnswerStyle::Letter, false});
        examples.insert(examples.end(), ex.begin(), ex.end());
    }
    const ModelConfig config = ModelConfig::fromJson(recipe.modelConfigJson(vocab), "lab recipe");
    std::printf("Shortcut Lab pretraining step (batch %d, %zu examples, %d steps after 3 warm-up)\n",
                recipe.pretrainBatch, examples.size(), steps);
    std::printf("%-34s %10s %8s\n", "configuration", "ms/step", "ratio");

    struct Row {
        int workers, intra, blas;
    };
    const std::vector<Row> rows = {{1, 1, 1}, {1, 2, 1}, {1, 2, 2}, {1, 1, 2}, {2, 1, 1}, {2, 2, 1}};
    std::vector<double> ms;
    double slowest = 0;
    for (const Row& r : rows) {
        applyThreadSettings({r.intra, r.blas});
        train::TrainOptions o = recipe.pretrainOptions();
        o.workers = r.workers;
        ms.push_back(msPerStep(recipe, config, examples, o, steps));
        slowest = std::max(slowest, ms.back());
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        char name[64];
        std::snprintf(name, sizeof name, "workers %d, intra-op %d, BLAS %d", rows[i].workers, rows[i].intra, rows[i].blas);
        std::printf("%-34s %10.1f %7.2fx\n", name, ms[i], slowest / ms[i]);
    }

    // A shortcut_neurons recipe's second stage: 16 reserved neurons per layer and attention train.
    applyThreadSettings({1, 1});
    lab::LabRecipe reserved = recipe;
    reserved.shortcutNeurons = 16;
    const double full = msPerStep(recipe, config, examples, recipe.pretrainOptions(), steps);
    const double part = msPerStep(reserved, config, examples, reserved.pretrainOptions(), steps);
    std::printf("\nsecond stage, workers %d, 1/1 threads: every parameter %.1f ms/step; reserved neurons + attention %.1f ms/step\n",
                recipe.pretrainWorkers, full, part);
    std::error_code ec;
    fs::remove_all(dir, ec);
    return 0;
}
