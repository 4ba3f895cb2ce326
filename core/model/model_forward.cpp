// The forward pass: embeddings, transformer blocks with neuron sites, final norm and LM head.
#include <cmath>
#include <sstream>

#include "core/common/error.h"
#include "core/model/attention.h"
#include "core/model/blocks.h"
#include "core/model/model_impl.h"

namespace prominence {

namespace {

std::string sizesText(const at::Tensor& t) {
    std::ostringstream s;
    s << t.sizes();
    return s.str();
}

at::Tensor asIds(const at::Tensor& t, const char* what) {
    if (!t.defined()) throw InvalidArgument(std::string(what) + " is required");
    if (t.dim() != 2) throw ShapeError(std::string(what) + " has shape " + sizesText(t) + ", expected [batch, seq]");
    if (at::isFloatingType(t.scalar_type()) || t.scalar_type() == at::kBool)
        throw InvalidArgument(std::string(what) + " must hold integers");
    return t.to(at::kLong);
}

// The site: hook, then mask, then record; the result goes to the down projection.
at::Tensor site(int layer, at::Tensor act, const LayerContext& ctx) {
    if (ctx.siteHook) {
        at::Tensor replaced = ctx.siteHook(layer, act);
        if (!replaced.defined() || replaced.sizes() != act.sizes())
            throw ShapeError("site hook for " + Model::siteName(layer) + " returned " +
                             (replaced.defined() ? sizesText(replaced) : std::string("nothing")) + ", expected " +
                             sizesText(act));
        act = replaced.to(act.scalar_type());
    }
    if (ctx.neuronMask && static_cast<std::size_t>(layer) < ctx.neuronMask->scales.size()) {
        const at::Tensor& scale = ctx.neuronMask->scales[static_cast<std::size_t>(layer)];
        if (scale.defined()) {
            if (scale.dim() != 1 || scale.size(0) != act.size(-1))
                throw ShapeError("neuron mask for layer " + std::to_string(layer) + " has shape " + sizesText(scale) +
                                 ", expected [" + std::to_string(act.size(-1)) + "]");
            act = act * scale.to(act.device(), act.scalar_type());
        }
    }
    if (ctx.sites) (*ctx.sites)[static_cast<std::size_t>(layer)] = act;
    return act;
}

}  // namespace

void Model::Impl::validateLayerRange(int from, int to) const {
    if (from < 0 || to > config.numLayers || from > to)
        throw InvalidArgument("layer range [" + std::to_string(from) + ", " + std::to_string(to) + ") is not within [0, " +
                              std::to_string(config.numLayers) + "]");
}

at::Tensor Model::embed(const at::Tensor& inputIdsIn, const at::Tensor& positionIdsIn) const {
    const ModelConfig& c = impl_->config;
    const at::Tensor ids = asIds(inputIdsIn, "input_ids").to(device());
    if (ids.numel() > 0) {
        const auto lo = ids.min().item<std::int64_t>(), hi = ids.max().item<std::int64_t>();
        if (lo < 0 || hi >= c.vocabSize)
            throw InvalidArgument("input_ids holds token id " + std::to_string(lo < 0 ? lo : hi) + ", outside [0, " +
                                  std::to_string(c.vocabSize) + ")");
    }
    at::Tensor h = at::embedding(impl_->w(Role::TokenEmbedding), ids);  // [B, T, H]
    if (c.positions == PositionKind::Learned) {
        const at::Tensor pos = asIds(positionIdsIn, "position_ids").to(device());
        if (pos.sizes() != ids.sizes())
            throw ShapeError("position_ids has shape " + sizesText(pos) + ", expected " + sizesText(ids));
        if (pos.numel() > 0) {
            const auto lo = pos.min().item<std::int64_t>(), hi = pos.max().item<std::int64_t>();
            if (lo < 0 || hi >= c.maxPositions)
                throw InvalidArgument("position_ids holds " + std::to_string(lo < 0 ? lo : hi) + ", outside [0, " +
                                      std::to_string(c.maxPositions) + ") of this model's learned positions");
        }
        h = h + at::embedding(impl_->w(Role::PositionEmbedding), pos);
    }
    return h;
}

at::Tensor Model::finalNorm(const at::Tensor& hidden) const {
    return applyNorm(impl_->config, hidden, impl_->w(Role::FinalNormWeight), impl_->w(Role::FinalNormBias));
}

at::Tensor Model::lmHead(const at::Tensor& normed) const {
    const at::Tensor& head = impl_->config.tieWordEmbeddings ? impl_->w(Role::TokenEmbedding) : impl_->w(Role::LmHead);
    return at::linear(normed, head);  // [B, T, V]
}

at::Tensor Model::runLayers(int from, int to, at::Tensor hidden, const LayerContext& ctx) const {
    const Impl& m = *impl_;
    const ModelConfig& c = m.config;
    m.validateLayerRange(from, to);
    if (hidden.dim() != 3 || hidden.size(2) != c.hiddenSize)
        throw ShapeError("hidden state has shape " + sizesText(hidden) + ", expected [batch, seq, " +
                         std::to_string(c.hiddenSize) + "]");
    const std::int64_t B = hidden.size(0), T = hidden.size(1);
    const at::Tensor positions = asIds(ctx.positionIds, "position_ids").to(device());
    if (positions.size(0) != B || positions.size(1) != T)
        throw ShapeError("position_ids has shape " + sizesText(positions) + ", expected [" + std::to_string(B) + ", " +
                         std::to_string(T) + "]");
    at::Tensor newMask;
    if (ctx.attentionMask.defined()) {
        newMask = ctx.attentionMask.to(device());
        if (newMask.dim() != 2 || newMask.size(0) != B || newMask.size(1) != T)
            throw ShapeError("attention_mask has shape " + sizesText(newMask) + ", expected [" + std::to_string(B) + ", " +
                             std::to_string(T) + "]");
        newMask = newMask.ne(0);
    }
    KvCache* cache = ctx.cache;
    const std::int64_t past = cache ? cache->length() : 0;
    if (past > 0 && cache->batch() != 1 && cache->batch() != B)
        throw ShapeError("KV cache has batch " + std::to_string(cache->batch()) + "; new positions have batch " +
                         std::to_string(B) + " (must be equal, or the cache batch 1)");
    if (ctx.appendToCache) {
        if (!cache) throw InvalidArgument("appendToCache without a cache");
        if (from != 0 || to != c.numLayers)
            throw InvalidArgument("appending to a KV cache needs all layers run (from 0 to " +
                                  std::to_string(c.numLayers) + ")");
        cache->prepare(static_cast<int>(c.numLayers), B, c.numKvHeads, T, c.headDim,
                       hidden.options().requires_grad(false));
    }
    if (ctx.sites && ctx.sites->size() < static_cast<std::size_t>(c.numLayers))
        ctx.sites->resize(static_cast<std::size_t>(c.numLayers));

    const AttentionMask mask = buildAttentionMask(past, T, c.slidingWindow, past > 0 ? cache->mask() : at::Tensor(),
                                                  newMask, device());
    Rotary rotary;
    if (c.positions == PositionKind::Rotary && c.rotaryDim > 0)
        rotary = rotaryTables(c, m.invFreq, positions, hidden.scalar_type());
    const double headScale = c.scaleAttnWeights ? std::sqrt(static_cast<double>(c.headDim)) : 1.0;
    const std::int64_t nq = c.numHeads * c.headDim, nkv = c.numKvHeads * c.headDim;

    for (int L = from; L < to; ++L) {
        auto attention = [&](const at::Tensor& x) {
            at::Tensor q, k, v;
            switch (c.qkv) {
            case QkvLayout::Separate:
                q = project(c.layout, x, m.w(L, Role::QWeight), m.w(L, Role::QBias));
                k = project(c.layout, x, m.w(L, Role::KWeight), m.w(L, Role::KBias));
                v = project(c.layout, x, m.w(L, Role::VWeight), m.w(L, Role::VBias));
                break;
            case QkvLayout::FusedConcat: {
                const at::Tensor qkv = project(c.layout, x, m.w(L, Role::QkvWeight), m.w(L, Role::QkvBias));  // [B, T, nq+2nkv]
                q = qkv.narrow(2, 0, nq);
                k = qkv.narrow(2, nq, nkv);
                v = qkv.narrow(2, nq + nkv, nkv);
                break;
            }
            case QkvLayout::FusedPerHead: {
                const at::Tensor qkv = project(c.layout, x, m.w(L, Role::QkvWeight), m.w(L, Role::QkvBias))
                                           .view({B, T, c.numHeads, 3 * c.headDim});  // [B, T, heads, 3*head_dim]
                q = qkv.narrow(3, 0, c.headDim);
                k = qkv.narrow(3, c.headDim, c.headDim);
                v = qkv.narrow(3, 2 * c.headDim, c.headDim);
                break;
            }
            }
            q = q.reshape({B, T, c.numHeads, c.headDim}).transpose(1, 2);    // [B, heads, T, head_dim]
            k = k.reshape({B, T, c.numKvHeads, c.headDim}).transpose(1, 2);  // [B, kv_heads, T, head_dim]
            v = v.reshape({B, T, c.numKvHeads, c.headDim}).transpose(1, 2);  // [B, kv_heads, T, head_dim]
            if (rotary.cos.defined()) {
                q = applyRotary(q, rotary);
                k = applyRotary(k, rotary);
            }
            at::Tensor pastK, pastV;
            if (past > 0) {
                pastK = cache->keys(L);
                pastV = cache->values(L);
            }
            if (ctx.appendToCache) cache->write(L, k.detach(), v.detach());
            const double divisor = headScale * (c.scaleAttnByInverseLayerIdx ? static_cast<double>(L + 1) : 1.0);
            const at::Tensor out = attend(q, k, v, pastK, pastV, mask, divisor)  // [B, heads, T, head_dim]
                                       .transpose(1, 2)
                                       .reshape({B, T, nq});                   // [B, T, heads*head_dim]
            return project(c.layout, out, m.w(L, Role::OWeight), m.w(L, Role::OBias));
        };
        auto mlp = [&](const at::Tensor& x) {
            at::Tensor act;
            if (c.gatedMlp) {
                act = activate(c.activation, project(c.layout, x, m.w(L, Role::GateWeight), m.w(L, Role::GateBias))) *
                      project(c.layout, x, m.w(L, Role::UpWeight), m.w(L, Role::UpBias));
            } else {
                act = activate(c.activation, project(c.layout, x, m.w(L, Role::UpWeight), m.w(L, Role::UpBias)));
            }
            act = site(L, act, ctx);  // [B, T, intermediate]
            return project(c.layout, act, m.w(L, Role::DownWeight), m.w(L, Role::DownBias));
        };

        const at::Tensor attnOut =
            attention(applyNorm(c, hidden, m.w(L, Role::AttnNormWeight), m.w(L, Role::AttnNormBias)));
        if (c.parallelResidual) {
            const at::Tensor mlpOut = mlp(applyNorm(c, hidden, m.w(L, Role::MlpNormWeight), m.w(L, Role::MlpNormBias)));
            hidden = mlpOut + attnOut + hidden;
        } else {
            hidden = hidden + attnOut;
            hidden = hidden + mlp(applyNorm(c, hidden, m.w(L, Role::MlpNormWeight), m.w(L, Role::MlpNormBias)));
        }
        if (ctx.hidden) ctx.hidden->push_back(hidden);
    }
    if (ctx.appendToCache) cache->commit(newMask.defined() ? newMask : at::ones({B, T}, at::TensorOptions().dtype(at::kBool).device(device())));
    return hidden;
}

ForwardOutput Model::forward(const ForwardInput& input, const ForwardOptions& options) const {
    const at::Tensor ids = asIds(input.inputIds, "input_ids");
    const std::int64_t B = ids.size(0), T = ids.size(1);
    if (B < 1 || T < 1) throw ShapeError("input_ids has shape " + sizesText(ids) + ", expected at least one token");
    KvCache* cache = options.cache;
    const std::int64_t past = cache ? cache->length() : 0;

    at::Tensor mask;
    if (input.attentionMask.defined()) {
        mask = asIds(input.attentionMask, "attention_mask");
        // transformers passes the mask of past + new positions; the past part lives in the cache.
        if (past > 0 && mask.size(1) == past + T) mask = mask.narrow(1, past, T);
        if (mask.size(0) != B || mask.size(1) != T)
            throw ShapeError("attention_mask has shape " + sizesText(mask) + ", expected [" + std::to_string(B) + ", " +
                             std::to_string(T) + "]" + (past > 0 ? " or [B, past + T]" : ""));
    }
    at::Tensor positions = input.positionIds.defined()
                               ? asIds(input.positionIds, "position_ids")
                               : at::arange(past, past + T, at::TensorOptions().dtype(at::kLong)).unsqueeze(0).expand({B, T});
    if (positions.size(0) != B || positions.size(1) != T)
        throw ShapeError("position_ids has shape " + sizesText(positions) + ", expected " + sizesText(ids));

    ForwardOutput out;
    LayerContext ctx;
    ctx.positionIds = positions;
    ctx.attentionMask = mask;
    ctx.cache = cache;
    ctx.appendToCache = cache != nullptr;
    ctx.neuronMask = options.neuronMask;
    ctx.siteHook = options.siteHook;
    if (options.returnSites) {
        out.sites.resize(static_cast<std::size_t>(numLayers()));
        ctx.sites = &out.sites;
    }
    at::Tensor h = embed(ids, positions);
    if (options.returnHidden) {
        out.hidden.push_back(h);
        ctx.hidden = &out.hidden;
    }
    h = runLayers(0, numLayers(), h, ctx);
    const at::Tensor normed = finalNorm(h);
    if (options.returnHidden) out.hidden.back() = normed;
    out.logits = lmHead(normed);
    return out;
}

}  // namespace prominence
