#include "core/attribution/integration.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/common/error.h"

namespace prominence::attribution {
namespace {

constexpr const char* kRuleNames[] = {"riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid",
                                      "gausslegendre"};

// P_n(x) and P_n'(x) by the three-term recurrence.
void legendre(int n, double x, double& p, double& dp) {
    double p0 = 1.0;
    double p1 = x;
    if (n == 0) {
        p = 1.0;
        dp = 0.0;
        return;
    }
    for (int k = 2; k <= n; ++k) {
        const double pk = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = pk;
    }
    p = p1;
    // Valid inside (-1, 1), where every Gauss node lies.
    dp = n * (x * p1 - p0) / (x * x - 1.0);
}

std::vector<double> linspaceFloat32(double start, double end, int n) {
    // Captum 0.7 builds Riemann alphas with torch.linspace in the default dtype (float32), so the
    // same LibTorch kernel gives the same float32 values, bit for bit.
    const at::Tensor t = at::linspace(start, end, n, at::TensorOptions().dtype(at::kFloat)).to(at::kDouble);
    const double* p = t.data_ptr<double>();
    return std::vector<double>(p, p + n);
}

}  // namespace

std::string ruleName(IntegrationRule rule) { return kRuleNames[static_cast<int>(rule)]; }

IntegrationRule parseRule(const std::string& name) {
    for (int i = 0; i < 5; ++i)
        if (name == kRuleNames[i]) return static_cast<IntegrationRule>(i);
    throw InvalidArgument("unknown integration rule '" + name +
                          "': expected riemann_left, riemann_right, riemann_middle, riemann_trapezoid or gausslegendre");
}

void gaussLegendre(int n, std::vector<double>& nodes, std::vector<double>& weights) {
    if (n < 1) throw InvalidArgument("Gauss-Legendre needs at least 1 point, got " + std::to_string(n));
    const double pi = std::acos(-1.0);
    nodes.assign(n, 0.0);
    weights.assign(n, 0.0);
    for (int i = 0; i < n; ++i) {
        // Tricomi's estimate of the (i+1)-th largest root; Newton converges quadratically from it.
        double x = std::cos(pi * (i + 0.75) / (n + 0.5));
        double p = 0, dp = 0;
        for (int iter = 0; iter < 100; ++iter) {
            legendre(n, x, p, dp);
            const double dx = p / dp;
            x -= dx;
            if (std::abs(dx) <= 1e-16 * std::max(1.0, std::abs(x))) break;
        }
        legendre(n, x, p, dp);
        nodes[n - 1 - i] = x;
        weights[n - 1 - i] = 2.0 / ((1.0 - x * x) * dp * dp);
    }
    // numpy's leggauss symmetrises nodes and weights and rescales the weights to sum to 2; doing the
    // same keeps us within an ulp or two of its values.
    std::vector<double> x(nodes), w(weights);
    double sum = 0;
    for (int i = 0; i < n; ++i) {
        nodes[i] = (x[i] - x[n - 1 - i]) / 2.0;
        weights[i] = (w[i] + w[n - 1 - i]) / 2.0;
        sum += weights[i];
    }
    for (double& wi : weights) wi *= 2.0 / sum;
}

void validateIgOptions(const IgOptions& options) {
    const int minSteps = options.rule == IntegrationRule::RiemannTrapezoid ? 2 : 1;
    if (options.steps < minSteps)
        throw InvalidArgument("integration steps must be >= " + std::to_string(minSteps) + " for " +
                              ruleName(options.rule) + ", got " + std::to_string(options.steps));
    if (options.chunkSize < 0)
        throw InvalidArgument("IG chunk size must be >= 0 (0 = all steps at once), got " +
                              std::to_string(options.chunkSize));
}

Quadrature quadrature(IntegrationRule rule, int steps) {
    IgOptions check;
    check.rule = rule;
    check.steps = steps;
    validateIgOptions(check);
    const int n = steps;
    Quadrature q;
    if (rule == IntegrationRule::GaussLegendre) {
        std::vector<double> x, w;
        gaussLegendre(n, x, w);
        q.alphas.resize(n);
        q.stepSizes.resize(n);
        for (int i = 0; i < n; ++i) {
            q.alphas[i] = 0.5 * (1.0 + x[i]);
            q.stepSizes[i] = 0.5 * w[i];
        }
        return q;
    }
    q.stepSizes.assign(n, 1.0 / n);
    switch (rule) {
        case IntegrationRule::RiemannLeft: q.alphas = linspaceFloat32(0.0, 1.0 - 1.0 / n, n); break;
        case IntegrationRule::RiemannRight: q.alphas = linspaceFloat32(1.0 / n, 1.0, n); break;
        case IntegrationRule::RiemannMiddle:
            q.alphas = linspaceFloat32(1.0 / (2.0 * n), 1.0 - 1.0 / (2.0 * n), n);
            break;
        case IntegrationRule::RiemannTrapezoid:
            q.alphas = linspaceFloat32(0.0, 1.0, n);
            q.stepSizes.front() /= 2.0;
            q.stepSizes.back() /= 2.0;
            break;
        case IntegrationRule::GaussLegendre: break;
    }
    return q;
}

IgResult integratedGradients(const BatchedFunction& f, const at::Tensor& input, const at::Tensor& baseline,
                             const IgOptions& options, Progress& progress) {
    validateIgOptions(options);
    if (!input.defined() || !baseline.defined()) throw InvalidArgument("integratedGradients: input and baseline must be given");
    if (!at::isFloatingType(input.scalar_type()))
        throw InvalidArgument(std::string("integratedGradients: input must be floating point, got ") +
                              c10::toString(input.scalar_type()));
    if (input.sizes() != baseline.sizes()) {
        std::ostringstream msg;
        msg << "integratedGradients: baseline has shape " << baseline.sizes() << ", expected the input's " << input.sizes();
        throw ShapeError(msg.str());
    }
    const Quadrature q = quadrature(options.rule, options.steps);
    const int n = options.steps;
    const int chunk = options.chunkSize > 0 ? std::min(options.chunkSize, n) : n;

    const at::Tensor x = input.detach();
    const at::Tensor b = baseline.detach().to(x.scalar_type());
    const at::Tensor diff = x - b;

    std::vector<int64_t> pointShape{-1};
    for (int64_t i = 0; i < x.dim(); ++i) pointShape.push_back(1);

    auto evaluate = [&](const at::Tensor& batch, int64_t rows) {
        at::Tensor out = f(batch);
        if (out.dim() != 1 || out.size(0) != rows) {
            std::ostringstream msg;
            msg << "integratedGradients: the function returned shape " << out.sizes() << ", expected [" << rows << "]";
            throw ShapeError(msg.str());
        }
        return out;
    };

    at::Tensor total = at::zeros(x.sizes(), x.options().dtype(at::kDouble));
    at::Tensor ends;  // [2]: F(x), F(x')
    for (int start = 0; start < n; start += chunk) {
        const int k = std::min(chunk, n - start);
        const std::vector<double> alphas(q.alphas.begin() + start, q.alphas.begin() + start + k);
        const std::vector<double> steps(q.stepSizes.begin() + start, q.stepSizes.begin() + start + k);
        // Captum multiplies in the input's dtype (a Python float alpha times a float32 tensor).
        const at::Tensor alpha = at::tensor(alphas, at::kDouble).to(x.scalar_type()).view(pointShape);  // [k, 1, ...]
        at::AutoGradMode enable(true);
        at::Tensor path = b.unsqueeze(0) + alpha * diff.unsqueeze(0);  // [k, *shape]
        // The end points ride along in the first chunk: when F is bound by reading weights (a few
        // rows through a large model) a separate call would cost as much as the whole path.
        const bool withEnds = start == 0;
        if (withEnds) path = at::cat({path, x.unsqueeze(0), b.unsqueeze(0)});  // [k (+2), *shape]
        at::Tensor batch = path.detach().requires_grad_(true);
        const at::Tensor out = evaluate(batch, batch.size(0));
        if (withEnds) ends = out.narrow(0, k, 2).detach().to(at::kDouble);
        const auto grads = torch::autograd::grad({out.narrow(0, 0, k).sum()}, {batch}, {}, c10::nullopt, false,
                                                 /*allow_unused=*/true);
        if (grads[0].defined()) {
            const at::Tensor w = at::tensor(steps, at::kDouble).view(pointShape);  // [k, 1, ...]
            total += (grads[0].narrow(0, 0, k).to(at::kDouble) * w).sum(0);
        }
        progress.report(start + k, n);
    }

    IgResult result;
    result.attributions = total * diff.to(at::kDouble);
    result.fInput = ends[0].item<double>();
    result.fBaseline = ends[1].item<double>();
    result.delta = result.attributions.sum().item<double>() - (result.fInput - result.fBaseline);
    return result;
}

}  // namespace prominence::attribution
