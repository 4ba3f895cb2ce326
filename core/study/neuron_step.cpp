#include "core/study/neuron_step.h"

#include <algorithm>

#include "core/attribution/dataset_attribution.h"
#include "core/model/model.h"
#include "core/model/unembedding.h"
#include "core/study/params_error.h"
#include "core/tokenizer/tokenizer.h"
#include "core/workspace/workspace.h"

namespace prominence::study {
namespace {

void checkSite(const Model& model, int layer, int neuron) {
    if (layer < 0 || layer >= model.numLayers())
        throw ParamsError("layer " + std::to_string(layer) + " is outside the model's " +
                          std::to_string(model.numLayers()) + " layers");
    if (neuron < 0 || neuron >= model.intermediateSize())
        throw ParamsError("neuron " + std::to_string(neuron) + " is outside layer " +
                          std::to_string(layer) + "'s " + std::to_string(model.intermediateSize()) +
                          " neurons");
}

nlohmann::ordered_json effectsJson(const std::vector<TokenEffect>& effects) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const TokenEffect& e : effects)
        out.push_back({{"token", e.token}, {"text", e.text}, {"value", e.value}});
    return out;
}

std::vector<TokenEffect> effectsAt(const Tokenizer& tok, const at::Tensor& values,
                                   const at::Tensor& ids) {
    std::vector<TokenEffect> out;
    const at::Tensor v = values.to(at::kDouble).contiguous();
    const at::Tensor i = ids.to(at::kLong).contiguous();
    for (std::int64_t k = 0; k < i.numel(); ++k) {
        const std::int64_t id = i.data_ptr<std::int64_t>()[k];
        out.push_back({id, tok.decode({id}), v.data_ptr<double>()[k]});
    }
    return out;
}

TokenActivationsResult activations(const Model& model, const Tokenizer& tok,
                                   std::vector<std::int64_t> ids, int layer, int neuron,
                                   const std::string& modelDir, Progress& progress) {
    checkSite(model, layer, neuron);
    progress.check();
    ForwardInput in;
    in.inputIds = at::tensor(ids, at::kLong).unsqueeze(0).to(model.device());  // [1, T]
    ForwardOptions fo;
    fo.returnSites = true;
    at::Tensor site;
    {
        at::NoGradGuard noGrad;
        const ForwardOutput out = model.forward(in, fo);
        site = out.sites.at(static_cast<std::size_t>(layer))
                   .select(0, 0)
                   .select(1, neuron)
                   .to(at::kCPU, at::kFloat)
                   .contiguous();  // [T]
    }
    TokenActivationsResult r;
    r.activation.assign(site.data_ptr<float>(), site.data_ptr<float>() + site.numel());
    for (std::int64_t id : ids) r.tokens.push_back(tok.decode({id}));
    r.ids = std::move(ids);
    r.summary = {{"model", modelDir},   {"layer", layer},         {"neuron", neuron},
                 {"ids", r.ids},        {"tokens", r.tokens},     {"activation", r.activation}};
    return r;
}

}  // namespace

void DirectEffectParams::validate() const {
    if (modelDir.empty()) throw ParamsError("the direct effect needs a model directory (--model DIR)");
    if (top < 1) throw ParamsError("option '--top' expects 1 or more, got " + std::to_string(top));
    for (const std::string& l : optionLetters)
        if (l.empty()) throw ParamsError("an option letter is empty");
}

namespace {

// U (w_out ⊙ g) of one neuron: [vocabulary rows of the head].
at::Tensor directEffect(const Model& model, int layer, int neuron) {
    at::NoGradGuard noGrad;
    const NeuronWeight down = model.mlp(layer).down;
    const at::Tensor direction = down.tensor.select(down.neuronDim, neuron).to(at::kCPU, at::kFloat);  // [H]
    const at::Tensor gain = finalNormWeight(model).to(at::kCPU, at::kFloat);                          // [H]
    const at::Tensor head = unembedding(model).to(at::kCPU, at::kFloat);                              // [V, H]
    return at::matmul(head, direction * gain);                                                        // [V]
}

// The `top` largest and smallest effects among the tokenizer's ids (padding rows of the head decode
// to nothing and are not ranked).
void rankEffects(const Tokenizer& tok, const at::Tensor& effect, int top, DirectEffectResult& r) {
    const std::int64_t ranked = std::min(effect.size(0), tok.vocabSize());
    const at::Tensor scored = effect.slice(0, 0, ranked);
    const std::int64_t k = std::min<std::int64_t>(top, ranked);
    const auto [upValues, upIds] = at::topk(scored, k, 0, /*largest=*/true, /*sorted=*/true);
    const auto [downValues, downIds] = at::topk(scored, k, 0, /*largest=*/false, /*sorted=*/true);
    r.up = effectsAt(tok, upValues, upIds);
    r.down = effectsAt(tok, downValues, downIds);
}

}  // namespace

DirectEffectResult runDirectEffect(const DirectEffectParams& p, Progress& progress) {
    p.validate();
    const auto model = Model::load(p.modelDir);
    checkSite(*model, p.layer, p.neuron);
    const Tokenizer tok = Tokenizer::load(p.tokenizer.empty() ? p.modelDir : p.tokenizer);
    progress.check();

    const at::Tensor effect = directEffect(*model, p.layer, p.neuron);
    DirectEffectResult r;
    rankEffects(tok, effect, p.top, r);
    // As letter scoring reads them: the token " A" adds after the prompt's closing "Answer:", which
    // must be exactly one token that leaves the prompt's tokens as they were.
    const std::vector<std::int64_t> prompt = tok.encode("Answer:", false);
    for (const std::string& letter : p.optionLetters) {
        const std::vector<std::int64_t> whole = tok.encode("Answer: " + letter, false);
        if (whole.size() != prompt.size() + 1 ||
            !std::equal(prompt.begin(), prompt.end(), whole.begin()))
            throw ParamsError("the option letter '" + letter +
                              "' is not exactly one token after \"Answer:\"; letter scoring needs "
                              "single-token letters");
        const std::int64_t id = whole.back();
        if (id >= effect.size(0))
            throw ParamsError("the option letter '" + letter + "' is token " + std::to_string(id) +
                              ", outside the model's " + std::to_string(effect.size(0)) + " logits");
        r.letters.push_back({id, tok.decode({id}), effect[id].item<double>()});
    }
    r.summary = {{"model", p.modelDir},
                 {"layer", p.layer},
                 {"neuron", p.neuron},
                 {"up", effectsJson(r.up)},
                 {"down", effectsJson(r.down)},
                 {"letters", effectsJson(r.letters)}};
    return r;
}

std::vector<DirectEffectResult> runDirectEffects(const std::string& modelDir, const std::string& tokenizer,
                                                 const std::vector<std::pair<int, int>>& sites, int top,
                                                 Progress& progress) {
    if (modelDir.empty()) throw ParamsError("direct effects: no model directory");
    if (top < 1) throw ParamsError("direct effects: top must be at least 1");
    const auto model = Model::load(modelDir);
    const Tokenizer tok = Tokenizer::load(tokenizer.empty() ? modelDir : tokenizer);
    std::vector<DirectEffectResult> out;
    for (const auto& [layer, neuron] : sites) {
        progress.check();
        checkSite(*model, layer, neuron);
        DirectEffectResult r;
        rankEffects(tok, directEffect(*model, layer, neuron), top, r);
        r.summary = {{"model", modelDir}, {"layer", layer}, {"neuron", neuron}, {"up", effectsJson(r.up)}, {"down", effectsJson(r.down)}};
        out.push_back(std::move(r));
    }
    return out;
}

void TokenActivationsParams::validate() const {
    if (modelDir.empty()) throw ParamsError("token activations need a model directory (--model DIR)");
    if (text.empty()) throw ParamsError("token activations need a non-empty text (--text T)");
}

TokenActivationsResult runTokenActivations(const TokenActivationsParams& p, Progress& progress) {
    p.validate();
    const auto model = Model::load(p.modelDir);
    const Tokenizer tok = Tokenizer::load(p.tokenizer.empty() ? p.modelDir : p.tokenizer);
    std::vector<std::int64_t> ids;
    if (p.addBos) {
        if (!tok.bosId()) throw ParamsError("--add-bos: the tokenizer defines no BOS token");
        ids.push_back(*tok.bosId());
    }
    const std::vector<std::int64_t> body = tok.encode(p.text, false);
    ids.insert(ids.end(), body.begin(), body.end());
    return activations(*model, tok, std::move(ids), p.layer, p.neuron, p.modelDir, progress);
}

void ItemActivationsParams::validate() const {
    if (workspacePath.empty()) throw ParamsError("item activations need a workspace");
    if (evalRunId <= 0)
        throw ParamsError("option '--run' expects a positive run id, got " +
                          std::to_string(evalRunId));
    if (itemIndex < 0)
        throw ParamsError("option '--item' expects 0 or more, got " + std::to_string(itemIndex));
}

TokenActivationsResult runItemActivations(const ItemActivationsParams& p, Progress& progress) {
    p.validate();
    auto ws = workspace::Workspace::open(p.workspacePath);
    const workspace::RunRecord run = ws.run(p.evalRunId);
    if (run.kind != "eval")
        throw ParamsError("run " + std::to_string(run.id) + " is a '" + run.kind +
                          "' run, not an eval run");
    if (run.status != workspace::RunStatus::Completed)
        throw ParamsError("run " + std::to_string(run.id) + " is '" +
                          workspace::runStatusName(run.status) + "', not completed");
    if (!run.modelId) throw ParamsError("eval run " + std::to_string(run.id) + " records no model");
    const std::string modelDir = ws.model(*run.modelId).path;
    // The tokenizer the run used (runEval records it); older runs and the lab's used the model's.
    const std::string tokenizerPath = run.params.contains("tokenizer") &&
                                              run.params.at("tokenizer").is_string() &&
                                              !run.params.at("tokenizer").get<std::string>().empty()
                                          ? run.params.at("tokenizer").get<std::string>()
                                          : modelDir;
    const attribution::PromptEncoding enc = attribution::PromptEncoding::fromEvalRun(run);
    std::optional<workspace::ItemResult> item;
    for (workspace::ItemResult& it : ws.items(run.id))
        if (it.index == p.itemIndex) item = std::move(it);
    if (!item)
        throw ParamsError("eval run " + std::to_string(run.id) + " holds no item " +
                          std::to_string(p.itemIndex));
    const auto model = Model::load(modelDir);
    const Tokenizer tok = Tokenizer::load(tokenizerPath);
    std::vector<std::int64_t> ids = attribution::encodePrompt(tok, item->prompt, enc.addBos);
    TokenActivationsResult r =
        activations(*model, tok, std::move(ids), p.layer, p.neuron, modelDir, progress);
    r.summary["run_id"] = run.id;
    r.summary["item_index"] = p.itemIndex;
    r.summary["item_id"] = item->itemId;
    return r;
}

}  // namespace prominence::study
