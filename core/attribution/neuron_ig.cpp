#include "core/attribution/neuron_ig.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/common/error.h"

namespace prominence::attribution {
namespace {

// F at the prediction position's logits [k, V] -> [k]. Softmax in at least float32, as a bf16
// model's logits would lose the small log-probabilities that IG integrates.
struct ObjectiveFn {
    Objective kind;
    std::int64_t target;
    at::Tensor others;  // margin: option tokens other than the target, int64

    at::Tensor operator()(const at::Tensor& logitsIn) const {
        const at::Tensor logits = logitsIn.scalar_type() == at::kDouble ? logitsIn : logitsIn.to(at::kFloat);  // [k, V]
        switch (kind) {
            case Objective::LogProb: return at::log_softmax(logits, 1).select(1, target);
            case Objective::Prob: return at::softmax(logits, 1).select(1, target);
            case Objective::Margin:
                return logits.select(1, target) - std::get<0>(logits.index_select(1, others.to(logits.device())).max(1));
        }
        return logits.select(1, target);
    }
};

ObjectiveFn makeObjective(const Model& model, const AttributionItem& item, Objective kind) {
    const std::int64_t V = model.vocabSize();
    if (item.target < 0 || item.target >= V)
        throw InvalidArgument("item " + std::to_string(item.id) + ": target token " + std::to_string(item.target) +
                              " is outside the vocabulary [0, " + std::to_string(V) + ")");
    ObjectiveFn f{kind, item.target, {}};
    if (kind == Objective::Margin) {
        std::vector<std::int64_t> others;
        for (std::int64_t t : item.optionTokens) {
            if (t < 0 || t >= V)
                throw InvalidArgument("item " + std::to_string(item.id) + ": option token " + std::to_string(t) +
                                      " is outside the vocabulary [0, " + std::to_string(V) + ")");
            if (t != item.target && std::find(others.begin(), others.end(), t) == others.end()) others.push_back(t);
        }
        if (others.empty())
            throw InvalidArgument("item " + std::to_string(item.id) +
                                  ": the margin objective needs at least one option token other than the target");
        f.others = at::tensor(others, at::kLong);
    }
    return f;
}

// Rows [0, P] of the item as [1, P+1] int64: tokens after P cannot affect the logits at P.
at::Tensor itemTokens(const Model& model, const AttributionItem& item, std::int64_t& P) {
    const std::int64_t T = static_cast<std::int64_t>(item.inputIds.size());
    if (T == 0) throw InvalidArgument("item " + std::to_string(item.id) + " has no tokens");
    P = item.position < 0 ? T - 1 : item.position;
    if (item.position < -1 || P >= T)
        throw InvalidArgument("item " + std::to_string(item.id) + ": position " + std::to_string(item.position) +
                              " is outside [0, " + std::to_string(T) + ") (or -1 for the last token)");
    const std::vector<std::int64_t> ids(item.inputIds.begin(), item.inputIds.begin() + P + 1);
    return at::tensor(ids, at::kLong).view({1, P + 1}).to(model.device());  // [1, P+1]
}

at::Tensor positionsFrom(std::int64_t start, std::int64_t count, const at::Device& device) {
    return at::arange(start, start + count, at::TensorOptions().dtype(at::kLong).device(device)).unsqueeze(0);  // [1, count]
}

// What every layer's path needs from one ordinary pass: the site activations and the input of
// each layer (at P only for positions=last), plus the prefix's keys and values.
struct ItemState {
    std::int64_t P = 0;
    at::Tensor ids;                      // [1, P+1]
    std::vector<at::Tensor> layerInput;  // [1, rows, H]: rows = 1 (last) or P+1 (all)
    std::vector<at::Tensor> sites;       // [1, rows, I]
    KvCache prefix;                      // keys/values of positions < P (positions=last, optimised)
};

void prepareOptimised(const Model& model, ItemState& s, PositionMode mode) {
    at::NoGradGuard noGrad;
    const int N = model.numLayers();
    std::vector<at::Tensor> hidden;
    s.sites.assign(static_cast<size_t>(N), at::Tensor());
    LayerContext ctx;
    ctx.sites = &s.sites;
    ctx.hidden = &hidden;
    at::Tensor h;
    if (mode == PositionMode::Last) {
        if (s.P > 0) {
            LayerContext fill;
            fill.positionIds = positionsFrom(0, s.P, model.device());
            fill.cache = &s.prefix;
            fill.appendToCache = true;
            model.runLayers(0, N, model.embed(s.ids.narrow(1, 0, s.P), fill.positionIds), fill);
            ctx.cache = &s.prefix;
        }
        ctx.positionIds = positionsFrom(s.P, 1, model.device());
        h = model.embed(s.ids.narrow(1, s.P, 1), ctx.positionIds);  // [1, 1, H]
    } else {
        ctx.positionIds = positionsFrom(0, s.P + 1, model.device());
        h = model.embed(s.ids, ctx.positionIds);  // [1, P+1, H]
    }
    s.layerInput.assign(1, h);
    model.runLayers(0, N, h, ctx);
    s.layerInput.insert(s.layerInput.end(), hidden.begin(), hidden.end() - 1);
}

void prepareNaive(const Model& model, ItemState& s, PositionMode mode) {
    at::NoGradGuard noGrad;
    ForwardInput in;
    in.inputIds = s.ids;
    ForwardOptions opt;
    opt.returnSites = true;
    s.sites = model.forward(in, opt).sites;
    if (mode == PositionMode::Last)
        for (at::Tensor& a : s.sites) a = a.narrow(1, s.P, 1);  // [1, 1, I]
}

// F over a batch of scaled activations of layer L, by the optimised path.
BatchedFunction optimisedFunction(const Model& model, ItemState& s, int L, PositionMode mode, const ObjectiveFn& objective) {
    return [&model, &s, L, mode, &objective](const at::Tensor& batch) {
        const std::int64_t k = batch.size(0);
        const at::Tensor& input = s.layerInput[static_cast<size_t>(L)];  // [1, rows, H]
        const std::int64_t rows = input.size(1);
        LayerContext ctx;
        ctx.positionIds = positionsFrom(mode == PositionMode::Last ? s.P : 0, rows, model.device()).expand({k, rows});
        if (mode == PositionMode::Last && s.P > 0) ctx.cache = &s.prefix;  // batch 1, shared by the k rows
        ctx.siteHook = [&](int layer, const at::Tensor& act) {
            if (layer != L) return act;
            return mode == PositionMode::Last ? batch.unsqueeze(1) : batch;  // [k, rows, I]
        };
        const at::Tensor h = model.runLayers(L, model.numLayers(), input.expand({k, rows, input.size(2)}), ctx);
        return objective(model.final(h.narrow(1, rows - 1, 1)).select(1, 0));  // [k]
    };
}

// F over a batch of scaled activations of layer L, by the full model on the full sequence.
BatchedFunction naiveFunction(const Model& model, ItemState& s, int L, PositionMode mode, const ObjectiveFn& objective) {
    return [&model, &s, L, mode, &objective](const at::Tensor& batch) {
        const std::int64_t k = batch.size(0);
        ForwardInput in;
        in.inputIds = s.ids.expand({k, s.P + 1});
        ForwardOptions opt;
        opt.siteHook = [&](int layer, const at::Tensor& act) {
            if (layer != L) return act;
            if (mode == PositionMode::All) return batch;  // [k, P+1, I]
            return at::cat({act.narrow(1, 0, s.P), batch.unsqueeze(1).to(act.scalar_type())}, 1);  // [k, P+1, I]
        };
        return objective(model.forward(in, opt).logits.select(1, s.P));  // [k]
    };
}

at::Tensor baselineFor(const AttributionParams& params, const std::vector<at::Tensor>& mean, int L, const at::Tensor& x) {
    if (params.baseline == BaselineKind::Zero) return at::zeros_like(x);
    const at::Tensor* b = static_cast<size_t>(L) < mean.size() ? &mean[static_cast<size_t>(L)] : nullptr;
    if (b == nullptr || !b->defined())
        throw InvalidArgument("mean baseline: no vector given for layer " + std::to_string(L));
    if (b->dim() != 1 || b->size(0) != x.size(-1)) {
        std::ostringstream msg;
        msg << "mean baseline for layer " << L << " has shape " << b->sizes() << ", expected [" << x.size(-1) << "]";
        throw ShapeError(msg.str());
    }
    return b->to(x.device(), x.scalar_type()).expand(x.sizes()).contiguous();  // x's shape: [I] or [P+1, I]
}

}  // namespace

bool ItemAttribution::flagged() const {
    return std::any_of(layers.begin(), layers.end(), [](const LayerAttribution& l) { return l.flagged; });
}

at::Tensor ItemAttribution::matrix() const {
    std::vector<at::Tensor> rows;
    for (const LayerAttribution& l : layers) rows.push_back(l.ig);
    return at::stack(rows);  // [layers, I]
}

at::Tensor ItemAttribution::deltas() const {
    std::vector<double> d;
    for (const LayerAttribution& l : layers) d.push_back(l.delta);
    return at::tensor(d, at::kDouble);
}

ItemAttribution attributeItem(const Model& model, const AttributionItem& item, const AttributionParams& params,
                              const std::vector<at::Tensor>& meanBaseline, Progress& progress) {
    params.validate(model.numLayers());
    const std::vector<int> layers = params.resolvedLayers(model.numLayers());
    const ObjectiveFn objective = makeObjective(model, item, params.objective);
    ItemState s;
    s.ids = itemTokens(model, item, s.P);
    if (params.path == IgPath::Optimised)
        prepareOptimised(model, s, params.positions);
    else
        prepareNaive(model, s, params.positions);

    const int steps = params.ig.steps;
    const std::int64_t total = static_cast<std::int64_t>(layers.size()) * steps;
    ItemAttribution result;
    result.id = item.id;
    for (size_t li = 0; li < layers.size(); ++li) {
        const int L = layers[li];
        // Shape of the scaled activation: [I] (last) or [P+1, I] (all).
        const at::Tensor x = s.sites[static_cast<size_t>(L)][0];
        const at::Tensor x0 = baselineFor(params, meanBaseline, L, params.positions == PositionMode::Last ? x[0] : x);
        const BatchedFunction f = params.path == IgPath::Optimised ? optimisedFunction(model, s, L, params.positions, objective)
                                                                   : naiveFunction(model, s, L, params.positions, objective);
        const std::int64_t offset = static_cast<std::int64_t>(li) * steps;
        Progress layerProgress([&](const std::string&, std::int64_t done, std::int64_t) {
            progress.report(offset + done, total);
            return true;
        });
        const IgResult r = integratedGradients(f, params.positions == PositionMode::Last ? x[0] : x, x0, params.ig, layerProgress);

        LayerAttribution la;
        la.layer = L;
        if (params.positions == PositionMode::All) {
            la.igByPosition = r.attributions;  // [P+1, I]
            la.ig = r.attributions.sum(0);     // [I]
        } else {
            la.ig = r.attributions;  // [I]
        }
        la.fInput = r.fInput;
        la.fBaseline = r.fBaseline;
        la.delta = r.delta;
        la.relativeResidual = std::abs(r.delta) / std::max(std::abs(r.fInput - r.fBaseline), 1e-6);
        la.flagged = !(la.relativeResidual <= params.residualFlagThreshold);
        result.layers.push_back(std::move(la));
    }
    return result;
}

}  // namespace prominence::attribution
