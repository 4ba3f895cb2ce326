// The IG maths on analytic functions with exact answers, Captum's published toy example, and our
// quadrature points against the exact alphas Captum recorded in the IG fixtures.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/attribution/integration.h"
#include "core/common/error.h"

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;
using namespace prominence::attribution;

namespace {

const IntegrationRule kAllRules[] = {IntegrationRule::RiemannLeft, IntegrationRule::RiemannRight,
                                     IntegrationRule::RiemannMiddle, IntegrationRule::RiemannTrapezoid,
                                     IntegrationRule::GaussLegendre};

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace

class TestIntegration : public QObject {
    Q_OBJECT

private slots:
    void ruleNamesRoundTrip() {
        for (IntegrationRule r : kAllRules) QCOMPARE(parseRule(ruleName(r)), r);
        try {
            parseRule("simpson");
            QFAIL("parseRule accepted 'simpson'");
        } catch (const InvalidArgument& e) {
            QVERIFY2(std::string(e.what()).find("'simpson'") != std::string::npos, e.what());
        }
    }

    void stepCountsAreValidated() {
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, quadrature(IntegrationRule::GaussLegendre, 0));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, quadrature(IntegrationRule::RiemannRight, -3));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, quadrature(IntegrationRule::RiemannTrapezoid, 1));
        QCOMPARE(quadrature(IntegrationRule::RiemannTrapezoid, 2).alphas.size(), size_t(2));
        QCOMPARE(quadrature(IntegrationRule::RiemannRight, 1).alphas.at(0), 1.0);
        try {
            quadrature(IntegrationRule::RiemannTrapezoid, 1);
        } catch (const InvalidArgument& e) {
            QVERIFY2(std::string(e.what()).find("got 1") != std::string::npos, e.what());
        }
        IgOptions bad;
        bad.chunkSize = -1;
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, validateIgOptions(bad));
    }

    // A rule of n Gauss points integrates polynomials up to degree 2n-1 exactly.
    void gaussLegendreIsExactToDegree2nMinus1() {
        for (int n : {1, 2, 3, 5, 20, 50, 128}) {
            const Quadrature q = quadrature(IntegrationRule::GaussLegendre, n);
            for (int d = 0; d <= 2 * n - 1 && d <= 60; ++d) {
                double s = 0;
                for (int i = 0; i < n; ++i) s += q.stepSizes[i] * std::pow(q.alphas[i], d);
                QVERIFY2(std::abs(s - 1.0 / (d + 1)) < 1e-13, qPrintable(QStringLiteral("n=%1 d=%2 got %3").arg(n).arg(d).arg(s, 0, 'g', 17)));
            }
            for (int i = 1; i < n; ++i) QVERIFY(q.alphas[i] > q.alphas[i - 1]);
        }
        // numpy.polynomial.legendre.leggauss(3): nodes ±sqrt(3/5), 0; weights 5/9, 8/9, 5/9.
        std::vector<double> x, w;
        gaussLegendre(3, x, w);
        QVERIFY(std::abs(x[0] + std::sqrt(0.6)) < 1e-15 && x[1] == 0.0 && std::abs(x[2] - std::sqrt(0.6)) < 1e-15);
        QVERIFY(std::abs(w[0] - 5.0 / 9) < 1e-15 && std::abs(w[1] - 8.0 / 9) < 1e-15);
    }

    // Captum recorded its exact alphas and step sizes in the IG fixtures.
    void alphasMatchCaptumRecords() {
        int checked = 0;
        for (const char* model : {"fixtures/models/llama-tiny/ig_reference.json", "fixtures/models/gpt2-tiny/ig_reference.json"}) {
            const QString path = prominence::test::sharedPath(QString::fromLatin1(model));
            if (path.isEmpty()) QSKIP("IG fixtures not found: set PROMINENCE_SHARED to the shared/ folder");
            std::ifstream in(path.toStdString());
            const nlohmann::json j = nlohmann::json::parse(in);
            for (const auto& [key, entry] : j.at("approximation_parameters").items()) {
                const std::string method = key.substr(0, key.find('/'));
                const int n = std::stoi(key.substr(key.find("/n") + 2));
                const Quadrature q = quadrature(parseRule(method), n);
                const auto alphas = entry.at("alphas").get<std::vector<double>>();
                const auto steps = entry.at("step_sizes").get<std::vector<double>>();
                QCOMPARE(q.alphas.size(), alphas.size());
                for (size_t i = 0; i < alphas.size(); ++i) {
                    // Riemann: the same float32 linspace, bit for bit; Gauss-Legendre: numpy's leggauss
                    // polishes eigenvalues with one Newton step, ours runs Newton to convergence.
                    const double tol = method == "gausslegendre" ? 4e-16 : 0.0;
                    QVERIFY2(std::abs(q.alphas[i] - alphas[i]) <= tol,
                             qPrintable(QStringLiteral("%1 alpha %2: %3 vs %4").arg(QString::fromStdString(key)).arg(i)
                                            .arg(q.alphas[i], 0, 'g', 17).arg(alphas[i], 0, 'g', 17)));
                    // numpy's weights come from 1/(P_{n-1} P_n') rescaled, ours from 2/((1-x^2) P_n'^2):
                    // they agree to ~1e-12 relative (the end weights, where nodes crowd, differ most).
                    QVERIFY2(std::abs(q.stepSizes[i] - steps[i]) <= 1e-11 * steps[i],
                             qPrintable(QStringLiteral("%1 step %2: %3 vs %4").arg(QString::fromStdString(key)).arg(i)
                                            .arg(q.stepSizes[i], 0, 'g', 17).arg(steps[i], 0, 'g', 17)));
                }
                ++checked;
            }
        }
        QCOMPARE(checked, 8);
    }

    // F(x) = x . w: the gradient is w everywhere, so IG = (x - x') * w * sum(step sizes). That sum is 1
    // for every rule except Captum's trapezoid, whose n end-halved steps of 1/n sum to 1 - 1/n.
    void linearModelIsExact() {
        at::manual_seed(7);
        const at::Tensor w = at::randn({3, 4}, at::kDouble);
        const at::Tensor x = at::randn({3, 4}, at::kDouble);
        const at::Tensor x0 = at::randn({3, 4}, at::kDouble);
        const BatchedFunction f = [&](const at::Tensor& batch) { return (batch * w).sum({1, 2}); };  // [k]
        for (IntegrationRule rule : kAllRules) {
            for (int n : {1, 2, 3, 7, 20, 50}) {
                if (rule == IntegrationRule::RiemannTrapezoid && n < 2) continue;
                for (int chunk : {0, 1, 3}) {
                    IgOptions o;
                    o.rule = rule;
                    o.steps = n;
                    o.chunkSize = chunk;
                    const IgResult r = integratedGradients(f, x, x0, o);
                    const double mass = rule == IntegrationRule::RiemannTrapezoid ? 1.0 - 1.0 / n : 1.0;
                    const at::Tensor expected = (x - x0) * w * mass;
                    QVERIFY2(maxAbsDiff(r.attributions, expected) < 1e-13,
                             qPrintable(QStringLiteral("%1 n=%2 chunk=%3").arg(QString::fromStdString(ruleName(rule))).arg(n).arg(chunk)));
                    const double fDiff = ((x - x0) * w).sum().item<double>();
                    QVERIFY(std::abs(r.fInput - (x * w).sum().item<double>()) < 1e-13);
                    QVERIFY(std::abs(r.fBaseline - (x0 * w).sum().item<double>()) < 1e-13);
                    QVERIFY(std::abs(r.delta - (mass - 1.0) * fDiff) < 1e-12);
                }
            }
        }
    }

    // Gauss-Legendre on a smooth nonlinear F: the completeness residual falls fast with n.
    void residualShrinksWithSteps() {
        at::manual_seed(11);
        const at::Tensor w = at::randn({6}, at::kDouble);
        const at::Tensor x = at::randn({6}, at::kDouble) * 2.0;
        const BatchedFunction f = [&](const at::Tensor& batch) { return at::tanh(batch.matmul(w)) + (batch * batch).sum(1).sin(); };
        double previous = 1e9;
        for (int n : {2, 4, 8, 16}) {
            IgOptions o;
            o.steps = n;
            const IgResult r = integratedGradients(f, x, at::zeros_like(x), o);
            QVERIFY2(std::abs(r.delta) < previous, qPrintable(QStringLiteral("n=%1 delta %2 previous %3").arg(n).arg(r.delta).arg(previous)));
            previous = std::abs(r.delta);
        }
        QVERIFY2(previous < 1e-6, qPrintable(QString::number(previous)));
        // Riemann sums converge only linearly: 8x the steps, about 8x smaller a residual.
        IgOptions right;
        right.rule = IntegrationRule::RiemannRight;
        right.steps = 100;
        const double coarse = std::abs(integratedGradients(f, x, at::zeros_like(x), right).delta);
        right.steps = 800;
        const double fine = std::abs(integratedGradients(f, x, at::zeros_like(x), right).delta);
        QVERIFY2(fine < coarse / 4 && fine > coarse / 16, qPrintable(QStringLiteral("%1 -> %2").arg(coarse).arg(fine)));
    }

    // Captum's getting-started example (captum.ai): two linear layers with a ReLU, fixed weights,
    // input torch.rand(2, 3) after torch.manual_seed(123), zero baseline, target 0, defaults
    // (gausslegendre, 50 steps). Published: [[-0.5922, -1.5497, -1.0067], [0.0000, -0.2219, -5.1991]],
    // deltas [2.3842e-07, -4.7684e-07].
    void captumToyModel() {
        const at::Tensor w1 = at::arange(-4.0, 5.0, at::kFloat).view({3, 3});  // [out, in]
        const at::Tensor b1 = at::zeros({3}, at::kFloat);
        const at::Tensor w2 = at::arange(-3.0, 3.0, at::kFloat).view({2, 3});  // [out, in]
        const at::Tensor b2 = at::ones({2}, at::kFloat);
        const BatchedFunction target0 = [&](const at::Tensor& batch) {
            return at::linear(at::relu(at::linear(batch, w1, b1)), w2, b2).select(1, 0);  // [k]
        };
        at::manual_seed(123);
        const at::Tensor input = at::rand({2, 3}, at::kFloat);
        const double published[2][3] = {{-0.5922, -1.5497, -1.0067}, {0.0000, -0.2219, -5.1991}};
        IgOptions o;
        o.steps = 50;  // Captum's default n_steps; gausslegendre is our default rule as it is Captum's
        for (int row = 0; row < 2; ++row) {
            const at::Tensor x = input[row];
            const IgResult r = integratedGradients(target0, x, at::zeros_like(x), o);
            for (int i = 0; i < 3; ++i) {
                const double got = r.attributions[i].item<double>();
                QVERIFY2(std::abs(got - published[row][i]) <= 0.5e-4 + 1e-6,
                         qPrintable(QStringLiteral("row %1 feature %2: %3 vs %4").arg(row).arg(i).arg(got).arg(published[row][i])));
            }
            QVERIFY2(std::abs(r.delta) < 1e-5, qPrintable(QString::number(r.delta)));
        }
    }

    void shapesAndTypesAreChecked() {
        const BatchedFunction f = [](const at::Tensor& batch) { return batch.sum(1); };
        IgOptions o;
        QVERIFY_THROWS_EXCEPTION(ShapeError, integratedGradients(f, at::ones({3}), at::zeros({4}), o));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, integratedGradients(f, at::ones({3}, at::kLong), at::zeros({3}, at::kLong), o));
        const BatchedFunction wrong = [](const at::Tensor& batch) { return batch; };
        QVERIFY_THROWS_EXCEPTION(ShapeError, integratedGradients(wrong, at::ones({3}), at::zeros({3}), o));
    }

    void progressIsReportedPerChunkAndCancels() {
        const BatchedFunction f = [](const at::Tensor& batch) { return batch.sum(1); };
        std::vector<std::int64_t> seen;
        Progress p([&](const std::string&, std::int64_t done, std::int64_t total) {
            seen.push_back(done);
            return total > 0 && done < 8;
        });
        IgOptions o;
        o.steps = 20;
        o.chunkSize = 4;
        QVERIFY_THROWS_EXCEPTION(Cancelled, integratedGradients(f, at::ones({3}), at::zeros({3}), o, p));
        QCOMPARE(seen, (std::vector<std::int64_t>{4, 8}));
    }
};

QTEST_GUILESS_MAIN(TestIntegration)
#include "test_integration.moc"
