// The training loop: batches, accumulation, clipping, AdamW, schedule, validation, checkpoints and
// held (pruned) neurons.
#include "core/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <thread>
#include <set>

#include "core/common/error.h"
#include "core/data/sampling.h"
#include "core/prune/surgery.h"

namespace prominence::train {

namespace {

// Turns requires_grad off however the loop ends (a Cancelled from progress included).
struct GradOff {
    Model& model;
    ~GradOff() { model.setRequiresGrad(false); }
};

std::vector<const TrainExample*> pick(const std::vector<TrainExample>& all, const std::vector<std::size_t>& order,
                                      std::size_t from, std::size_t to) {
    std::vector<const TrainExample*> out;
    for (std::size_t i = from; i < to; ++i) out.push_back(&all[order[i]]);
    return out;
}

std::int64_t lossTokens(const std::vector<const TrainExample*>& examples) {
    std::int64_t n = 0;
    for (const TrainExample* e : examples) n += static_cast<std::int64_t>(e->targetIds.size());
    return n;
}

}  // namespace

void TrainOptions::validate() const {
    adamw.validate();
    auto bad = [](const std::string& what, const std::string& value, const std::string& expected) {
        throw InvalidArgument("training option " + what + " = " + value + ": expected " + expected);
    };
    if (epochs < 1 && maxSteps <= 0) bad("epochs", std::to_string(epochs), ">= 1 (or max_steps > 0)");
    if (maxSteps < 0) bad("max_steps", std::to_string(maxSteps), ">= 0");
    if (batchSize < 1) bad("batch_size", std::to_string(batchSize), ">= 1");
    if (gradAccumulation < 1) bad("grad_accumulation", std::to_string(gradAccumulation), ">= 1");
    if (workers < 1 || workers > 256) bad("workers", std::to_string(workers), "in [1, 256]");
    for (const std::string& p : trainablePrefixes)
        if (p.empty()) bad("trainable", "\"\"", "non-empty name prefixes");
    for (const auto& [prefix, scale] : lrScales)
        if (prefix.empty() || !(scale > 0.0) || !std::isfinite(scale))
            bad("lr_scales", "\"" + prefix + "\": " + std::to_string(scale), "non-empty prefixes with finite scales > 0");
    if (trainableNeurons && trainableNeurons->empty()) bad("trainable_neurons", "an empty mask", "at least one neuron");
    if (warmupSteps < 0) bad("warmup_steps", std::to_string(warmupSteps), ">= 0");
    if (!(minLrRatio >= 0.0 && minLrRatio <= 1.0)) bad("min_lr_ratio", std::to_string(minLrRatio), "in [0, 1]");
    if (!(maxGradNorm >= 0.0) || !std::isfinite(maxGradNorm)) bad("max_grad_norm", std::to_string(maxGradNorm), ">= 0");
    if (evalEvery < 0) bad("eval_every", std::to_string(evalEvery), ">= 0");
    if (patience < 0) bad("patience", std::to_string(patience), ">= 0");
    if (!(minDelta >= 0.0)) bad("min_delta", std::to_string(minDelta), ">= 0");
    if (checkpointEvery < 0) bad("checkpoint_every", std::to_string(checkpointEvery), ">= 0");
    if ((checkpointEvery > 0 || checkpointFinal) && checkpointDir.empty())
        bad("checkpoint_dir", "\"\"", "a directory when checkpoints are asked for");
}

nlohmann::json TrainOptions::toJson() const {
    return {{"lr", adamw.lr},
            {"beta1", adamw.beta1},
            {"beta2", adamw.beta2},
            {"eps", adamw.eps},
            {"weight_decay", adamw.weightDecay},
            {"schedule", scheduleName(schedule)},
            {"warmup_steps", warmupSteps},
            {"min_lr_ratio", minLrRatio},
            {"epochs", epochs},
            {"max_steps", maxSteps},
            {"batch_size", batchSize},
            {"grad_accumulation", gradAccumulation},
            {"workers", workers},
            {"trainable", trainablePrefixes},
            {"lr_scales", lrScales},
            {"trainable_neurons", trainableNeurons ? trainableNeurons->toJson() : nlohmann::json(nullptr)},
            {"max_grad_norm", maxGradNorm},
            {"seed", seed},
            {"pad_id", padId},
            {"decay_all_parameters", decayAllParameters},
            {"eval_every", evalEvery},
            {"patience", patience},
            {"min_delta", minDelta},
            {"restore_best", restoreBest},
            {"checkpoint_every", checkpointEvery},
            {"checkpoint_final", checkpointFinal}};
}

TrainOptions TrainOptions::fromJson(const nlohmann::json& j, const std::string& source) {
    if (!j.is_object()) throw FormatError(source + ": training options must be an object");
    TrainOptions o;
    const nlohmann::json known = o.toJson();
    for (auto it = j.begin(); it != j.end(); ++it)
        if (!known.contains(it.key())) throw FormatError(source + ": unknown training option '" + it.key() + "'");
    auto get = [&](const char* key, auto& out) {
        if (!j.contains(key)) return;
        try {
            j.at(key).get_to(out);
        } catch (const nlohmann::json::exception&) {
            throw FormatError(source + ": training option '" + key + "' has the wrong type: " + j.at(key).dump());
        }
    };
    get("lr", o.adamw.lr);
    get("beta1", o.adamw.beta1);
    get("beta2", o.adamw.beta2);
    get("eps", o.adamw.eps);
    get("weight_decay", o.adamw.weightDecay);
    std::string schedule = scheduleName(o.schedule);
    get("schedule", schedule);
    o.schedule = parseSchedule(schedule);
    get("warmup_steps", o.warmupSteps);
    get("min_lr_ratio", o.minLrRatio);
    get("epochs", o.epochs);
    get("max_steps", o.maxSteps);
    get("batch_size", o.batchSize);
    get("grad_accumulation", o.gradAccumulation);
    get("workers", o.workers);
    get("trainable", o.trainablePrefixes);
    get("lr_scales", o.lrScales);
    if (j.contains("trainable_neurons") && !j.at("trainable_neurons").is_null())
        o.trainableNeurons = prune::PruneMask::fromJson(j.at("trainable_neurons"), source + ": trainable_neurons");
    get("max_grad_norm", o.maxGradNorm);
    get("seed", o.seed);
    get("pad_id", o.padId);
    get("decay_all_parameters", o.decayAllParameters);
    get("eval_every", o.evalEvery);
    get("patience", o.patience);
    get("min_delta", o.minDelta);
    get("restore_best", o.restoreBest);
    get("checkpoint_every", o.checkpointEvery);
    get("checkpoint_final", o.checkpointFinal);
    return o;
}

nlohmann::json TrainResult::toJson() const {
    nlohmann::json losses = nlohmann::json::array(), val = nlohmann::json::array(), ckpts = nlohmann::json::array();
    for (const StepRecord& s : history) losses.push_back({{"step", s.step}, {"epoch", s.epoch}, {"loss", s.loss}, {"lr", s.lr},
                                                          {"grad_norm", s.gradNorm}});
    for (const EvalRecord& e : validation) val.push_back({{"step", e.step}, {"loss", e.loss}});
    for (const SavedCheckpoint& c : checkpoints) ckpts.push_back({{"step", c.step}, {"path", c.path}});
    nlohmann::json j = {{"steps", steps},         {"epochs_started", epochsStarted}, {"history", losses},
                        {"validation", val},      {"stopped_early", stoppedEarly},   {"restored_best", restoredBest},
                        {"checkpoints", ckpts}};
    if (!history.empty()) j["final_loss"] = history.back().loss;
    if (bestStep >= 0) {
        j["best_step"] = bestStep;
        j["best_loss"] = bestLoss;
    }
    return j;
}

at::Tensor batchLossSum(const Model& model, const Batch& batch, const NeuronMask* mask) {
    const std::int64_t B = batch.inputIds.size(0), T = batch.inputIds.size(1);
    const at::Tensor positions =
        at::arange(T, at::TensorOptions().dtype(at::kLong).device(model.device())).unsqueeze(0).expand({B, T});
    LayerContext ctx;
    ctx.positionIds = positions;
    ctx.attentionMask = batch.attentionMask;
    ctx.neuronMask = mask;
    at::Tensor h = model.embed(batch.inputIds, positions);  // [B, T, H]
    h = model.runLayers(0, model.numLayers(), h, ctx);
    // Only the scored positions go through the final norm and the LM head: [1, N, H] -> [1, N, V].
    const at::Tensor picked = h.index({batch.lossRows, batch.lossCols}).unsqueeze(0);
    const at::Tensor logits = model.final(picked).squeeze(0).to(at::kFloat);  // [N, V]
    return -at::log_softmax(logits, -1).gather(1, batch.targets.unsqueeze(1)).sum();
}

double meanLoss(const Model& model, const std::vector<TrainExample>& examples, int batchSize, std::int64_t padId,
                const NeuronMask* mask) {
    if (examples.empty()) throw InvalidArgument("meanLoss: no examples");
    if (batchSize < 1) throw InvalidArgument("meanLoss: batch size " + std::to_string(batchSize) + " must be >= 1");
    at::NoGradGuard noGrad;
    double sum = 0.0;
    std::int64_t tokens = 0;
    for (std::size_t from = 0; from < examples.size(); from += static_cast<std::size_t>(batchSize)) {
        std::vector<const TrainExample*> part;
        for (std::size_t i = from; i < std::min(examples.size(), from + static_cast<std::size_t>(batchSize)); ++i)
            part.push_back(&examples[i]);
        sum += batchLossSum(model, collate(part, padId, model.device()), mask).item<double>();
        tokens += lossTokens(part);
    }
    return sum / static_cast<double>(tokens);
}

namespace {

// One micro-batch split into contiguous shards, each run forward and backward on its own thread into
// its own gradient tensors (torch::autograd::grad, not .grad accumulation, whose order between threads
// would vary); the shards' gradients are then added to the parameters' .grad in shard order. Returns
// the micro-batch's summed loss.
double parallelBackward(const Model& model, const std::vector<const TrainExample*>& part, int workers, std::int64_t padId,
                        const NeuronMask* mask, std::int64_t stepTokens, const std::vector<at::Tensor>& params) {
    const std::size_t W = std::min<std::size_t>(static_cast<std::size_t>(workers), part.size());
    std::vector<std::vector<const TrainExample*>> shards(W);
    for (std::size_t w = 0; w < W; ++w) {
        const std::size_t from = part.size() * w / W, to = part.size() * (w + 1) / W;
        shards[w].assign(part.begin() + static_cast<std::ptrdiff_t>(from), part.begin() + static_cast<std::ptrdiff_t>(to));
    }
    std::vector<std::vector<at::Tensor>> grads(W);
    std::vector<double> sums(W, 0.0);
    std::vector<std::exception_ptr> errors(W);
    auto work = [&](std::size_t w) {
        try {
            at::AutoGradMode gradOn(true);
            const at::Tensor loss = batchLossSum(model, collate(shards[w], padId, model.device()), mask);
            sums[w] = loss.item<double>();
            grads[w] = torch::autograd::grad({loss / static_cast<double>(stepTokens)}, params, {}, false, false, true);
        } catch (...) {
            errors[w] = std::current_exception();
        }
    };
    std::vector<std::thread> threads;
    for (std::size_t w = 1; w < W; ++w) threads.emplace_back(work, w);
    work(0);
    for (std::thread& t : threads) t.join();
    for (const std::exception_ptr& e : errors)
        if (e) std::rethrow_exception(e);
    at::NoGradGuard noGrad;
    for (std::size_t i = 0; i < params.size(); ++i) {
        at::Tensor g;
        for (std::size_t w = 0; w < W; ++w) {
            const at::Tensor& gw = grads[w][i];
            if (!gw.defined()) continue;
            g = g.defined() ? g + gw : gw.clone();
        }
        if (!g.defined()) continue;
        at::Tensor p = params[i];
        if (p.grad().defined()) p.mutable_grad().add_(g);
        else p.mutable_grad() = g;
    }
    double sum = 0.0;
    for (double v : sums) sum += v;
    return sum;
}

}  // namespace

TrainResult train(Model& model, const std::vector<TrainExample>& examples, const std::vector<TrainExample>& validation,
                  const TrainOptions& options, Progress& progress) {
    options.validate();
    if (examples.empty()) throw InvalidArgument("train: no training examples");
    const std::int64_t maxLen = model.config().positions == PositionKind::Learned ? model.config().maxPositions : 0;
    for (std::size_t i = 0; i < examples.size(); ++i)
        validateExample(examples[i], model.vocabSize(), maxLen, "training example " + std::to_string(i));
    for (std::size_t i = 0; i < validation.size(); ++i)
        validateExample(validation[i], model.vocabSize(), maxLen, "validation example " + std::to_string(i));
    if (options.padId < 0 || options.padId >= model.vocabSize())
        throw InvalidArgument("pad id " + std::to_string(options.padId) + " is outside the vocabulary");

    model.makeTrainable();
    at::manual_seed(options.seed);
    NeuronMask activationMask;
    const NeuronMask* maskPtr = nullptr;
    std::map<std::string, at::Tensor> keeps;
    if (options.hold && !options.hold->empty()) {
        prune::applyWeightSurgery(model, *options.hold);
        activationMask = options.hold->toNeuronMask(model.device());
        maskPtr = &activationMask;
        for (const prune::PrunedSlice& s : prune::prunedSlices(model, *options.hold)) {
            auto it = keeps.find(s.name);
            keeps[s.name] = it == keeps.end() ? s.keep : it->second * s.keep;
        }
    }
    // Train multipliers of the MLP neuron weights when only some neurons train: 1 at their entries.
    std::map<std::string, at::Tensor> trains;
    if (options.trainableNeurons) {
        options.trainableNeurons->checkFits(model, "trainable_neurons");
        for (int layer = 0; layer < model.numLayers(); ++layer) {
            const std::vector<std::int64_t> idx = options.trainableNeurons->neuronsOf(layer);
            const MlpWeights m = model.mlp(layer);
            for (const NeuronWeight* w : {&m.up, &m.upBias, &m.gate, &m.gateBias, &m.down}) {
                if (!w->defined()) continue;
                std::vector<std::int64_t> shape(static_cast<std::size_t>(w->tensor.dim()), 1);
                shape[static_cast<std::size_t>(w->neuronDim)] = w->tensor.size(w->neuronDim);
                at::Tensor t = at::zeros(shape, w->tensor.options().requires_grad(false));
                if (!idx.empty())
                    t.index_fill_(w->neuronDim, at::tensor(idx, at::TensorOptions().dtype(at::kLong).device(t.device())), 1.0);
                trains[w->name] = t;
            }
        }
    }
    model.setRequiresGrad(true);
    GradOff gradOff{model};

    auto trainable = [&](const std::string& name) {
        if (options.trainablePrefixes.empty()) return true;
        for (const std::string& prefix : options.trainablePrefixes)
            if (name.rfind(prefix, 0) == 0) return true;
        return false;
    };
    std::vector<AdamW::Param> params;
    std::vector<at::Tensor> tensors;
    for (const NamedTensor& p : model.namedParameters()) {
        if (!trainable(p.name)) {
            p.tensor.requires_grad_(false);
            continue;
        }
        AdamW::Param q;
        q.tensor = p.tensor;
        q.decay = options.decayAllParameters || p.tensor.dim() >= 2;
        const auto it = keeps.find(p.name);
        if (it != keeps.end()) q.keep = it->second;
        const auto tr = trains.find(p.name);
        if (tr != trains.end()) q.train = tr->second;
        std::size_t longest = 0;
        for (const auto& [prefix, scale] : options.lrScales)
            if (prefix.size() > longest && p.name.rfind(prefix, 0) == 0) {
                longest = prefix.size();
                q.lrScale = scale;
            }
        params.push_back(q);
        tensors.push_back(p.tensor);
    }
    if (tensors.empty()) throw InvalidArgument("train: no parameter name starts with any of the 'trainable' prefixes");
    AdamW optimizer(std::move(params), options.adamw);

    const std::size_t n = examples.size();
    const std::size_t perStep = static_cast<std::size_t>(options.batchSize) * static_cast<std::size_t>(options.gradAccumulation);
    const auto stepsPerEpoch = static_cast<std::int64_t>((n + perStep - 1) / perStep);
    const std::int64_t total = options.maxSteps > 0 ? options.maxSteps : stepsPerEpoch * options.epochs;
    const Schedule schedule{options.schedule, options.warmupSteps, total, options.minLrRatio};

    TrainResult result;
    double best = std::numeric_limits<double>::infinity();
    int sinceBest = 0;
    std::vector<at::Tensor> bestWeights;
    std::int64_t lastEval = -1;

    auto evaluate = [&]() -> bool {  // true: stop early
        lastEval = result.steps;
        const double loss = meanLoss(model, validation, options.batchSize, options.padId, maskPtr);
        result.validation.push_back({result.steps, loss});
        if (options.onValidation) options.onValidation(result.validation.back());
        if (loss < best - options.minDelta || result.bestStep < 0) {
            best = loss;
            result.bestStep = result.steps;
            result.bestLoss = loss;
            sinceBest = 0;
            if (options.patience > 0 && options.restoreBest) {
                bestWeights.clear();
                for (const at::Tensor& t : tensors) bestWeights.push_back(t.detach().clone());
            }
            return false;
        }
        return options.patience > 0 && ++sinceBest >= options.patience;
    };
    auto checkpoint = [&](const std::string& name) {
        const std::string dir = (std::filesystem::path(options.checkpointDir) / name).string();
        model.saveCheckpoint(dir);
        result.checkpoints.push_back({result.steps, dir});
        if (options.onCheckpoint) options.onCheckpoint(result.checkpoints.back());
    };

    progress.report(0, total);
    bool stop = false;
    for (int epoch = 0; !stop && result.steps < total; ++epoch) {
        data::SeededRng rng(data::deriveSeed(options.seed, static_cast<std::uint64_t>(epoch)));
        const std::vector<std::size_t> order = data::permutation(n, rng);
        result.epochsStarted = epoch + 1;
        for (std::size_t from = 0; from < n && result.steps < total; from += perStep) {
            const auto stepStart = std::chrono::steady_clock::now();
            const std::size_t to = std::min(n, from + perStep);
            const std::int64_t tokens = lossTokens(pick(examples, order, from, to));
            double lossSum = 0.0;
            for (std::size_t micro = from; micro < to; micro += static_cast<std::size_t>(options.batchSize)) {
                const auto part = pick(examples, order, micro, std::min(to, micro + static_cast<std::size_t>(options.batchSize)));
                if (options.workers > 1 && part.size() > 1 && model.device().is_cpu()) {
                    lossSum += parallelBackward(model, part, options.workers, options.padId, maskPtr, tokens, tensors);
                    continue;
                }
                const at::Tensor loss = batchLossSum(model, collate(part, options.padId, model.device()), maskPtr);
                lossSum += loss.item<double>();
                (loss / static_cast<double>(tokens)).backward();
            }
            StepRecord rec;
            optimizer.maskGradients();
            rec.gradNorm = clipGradNorm(tensors, options.maxGradNorm);
            rec.lr = options.adamw.lr * schedule.multiplier(result.steps);
            optimizer.step(rec.lr);
            optimizer.zeroGrad();
            ++result.steps;
            rec.step = result.steps;
            rec.epoch = epoch;
            rec.loss = lossSum / static_cast<double>(tokens);
            rec.tokens = tokens;
            rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - stepStart).count();
            if (!std::isfinite(rec.loss))
                throw Error("training diverged at step " + std::to_string(rec.step) + ": loss " + std::to_string(rec.loss));
            result.history.push_back(rec);
            if (options.onStep) options.onStep(rec);
            if (!validation.empty() && options.evalEvery > 0 && result.steps % options.evalEvery == 0 && evaluate()) {
                stop = result.stoppedEarly = true;
            }
            if (options.checkpointEvery > 0 && result.steps % options.checkpointEvery == 0)
                checkpoint("step-" + std::to_string(result.steps));
            progress.report(result.steps, total);
            if (stop) break;
        }
        if (!stop && !validation.empty() && options.evalEvery == 0 && lastEval != result.steps && evaluate())
            stop = result.stoppedEarly = true;
    }
    if (!validation.empty() && lastEval != result.steps) evaluate();
    if (!bestWeights.empty() && result.bestStep != result.steps) {
        at::NoGradGuard noGrad;
        for (std::size_t i = 0; i < tensors.size(); ++i) tensors[i].copy_(bestWeights[i]);
        result.restoredBest = true;
    }
    if (options.checkpointFinal) checkpoint("final");
    return result;
}

}  // namespace prominence::train
