#pragma once
// Integrated Gradients (Sundararajan et al. 2017) over any differentiable function of a tensor, with
// Captum's quadrature rules reproduced exactly, so our numbers can be checked against Captum's.
//
//   IG(x) = (x - x') * sum_i w_i * dF/dx (x' + alpha_i (x - x'))
//   delta = sum(IG) - (F(x) - F(x'))          (completeness residual; Captum's convergence delta)
#include <functional>
#include <string>
#include <vector>

#include "core/common/torch.h"
#include "core/jobs/progress.h"

namespace prominence::attribution {

enum class IntegrationRule { RiemannLeft, RiemannRight, RiemannMiddle, RiemannTrapezoid, GaussLegendre };

// Captum's method names: riemann_left, riemann_right, riemann_middle, riemann_trapezoid, gausslegendre.
std::string ruleName(IntegrationRule rule);
// Throws InvalidArgument echoing the value and listing the accepted names.
IntegrationRule parseRule(const std::string& name);

// The points and weights of one rule on [0, 1].
struct Quadrature {
    std::vector<double> alphas;     // where the integrand is evaluated
    std::vector<double> stepSizes;  // the weight of each point (Captum's "step sizes")
};

// Captum 0.7's approximation_parameters(rule)(steps):
// - Riemann alphas come from a float32 torch.linspace (so 0.35 is 0.3500000238418579, as Captum
//   records); step sizes are 1/n each, halved at both ends for the trapezoid. Captum's trapezoid thus
//   weights n points spaced 1/(n-1) by 1/n, summing to 1 - 1/n: kept as is, for parity.
// - Gauss-Legendre: numpy's leggauss(n) nodes and weights mapped to [0, 1] (alpha = (x+1)/2, w/2).
// steps >= 1 (>= 2 for the trapezoid, whose end weights need two points); else InvalidArgument.
Quadrature quadrature(IntegrationRule rule, int steps);

// Gauss-Legendre nodes (ascending) and weights on [-1, 1], computed in double by Newton iteration on
// the Legendre polynomial and symmetrised as numpy's leggauss does. n >= 1.
void gaussLegendre(int n, std::vector<double>& nodes, std::vector<double>& weights);

// F over a batch: `batch` is [k, *input.shape] (k points on the path); returns [k], one value per row.
// Rows must not interact (the gradient of the sum is then each row's own gradient).
using BatchedFunction = std::function<at::Tensor(const at::Tensor& batch)>;

struct IgOptions {
    IntegrationRule rule = IntegrationRule::GaussLegendre;
    int steps = 20;
    // At most this many path points per call of F, which bounds memory (the first call also carries
    // x and x'); 0 = all steps at once.
    int chunkSize = 0;
};

struct IgResult {
    at::Tensor attributions;  // float64, input's shape
    double fInput = 0;        // F(x)
    double fBaseline = 0;     // F(x')
    double delta = 0;         // sum(attributions) - (F(x) - F(x'))
};

// Validates the options (InvalidArgument echoing a bad value) and the shapes (ShapeError).
// Reports progress per chunk on `progress` (which throws Cancelled when asked to stop).
IgResult integratedGradients(const BatchedFunction& f, const at::Tensor& input, const at::Tensor& baseline,
                             const IgOptions& options, Progress& progress = Progress::none());

// Checks steps/chunk against the rule; shared by every IG entry point so messages agree.
void validateIgOptions(const IgOptions& options);

}  // namespace prominence::attribution
