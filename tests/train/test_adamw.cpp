// AdamW against an independent double-precision re-statement of torch.optim.AdamW, held entries,
// gradient clipping, and the learning-rate schedules.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/common/error.h"
#include "core/train/adamw.h"
#include "core/train/schedule.h"

#include <cmath>

#include <QtTest>

using namespace prominence;
using namespace prominence::train;

class TestAdamW : public QObject {
    Q_OBJECT

private slots:
    void firstStepIsSignTimesLr() {
        // Step 1: m_hat = g, v_hat = g^2, so p1 = p0 (1 - lr wd) - lr g / (|g| + eps).
        at::Tensor p = at::tensor({1.0, -2.0, 0.5}, at::kDouble).requires_grad_(true);
        p.mutable_grad() = at::tensor({0.3, -4.0, 1e-3}, at::kDouble);
        AdamWOptions o;
        o.lr = 0.1;
        o.weightDecay = 0.5;
        o.eps = 1e-8;
        AdamW opt({{p, true, {}, {}, 1.0}}, o);
        opt.step(o.lr);
        const double expected[] = {1.0 * 0.95 - 0.1 * 0.3 / (0.3 + 1e-8), -2.0 * 0.95 + 0.1 * 4.0 / (4.0 + 1e-8),
                                   0.5 * 0.95 - 0.1 * 1e-3 / (1e-3 + 1e-8)};
        for (int i = 0; i < 3; ++i) QVERIFY(std::fabs(p[i].item<double>() - expected[i]) < 1e-14);
        QCOMPARE(opt.stepOf(0), std::int64_t(1));
    }

    void matchesReferenceOverManySteps() {
        // Independent scalar re-statement of torch's _single_tensor_adamw, run for 25 steps with a
        // changing gradient and learning rate, compared element by element in double.
        const AdamWOptions o{0.05, 0.8, 0.95, 1e-6, 0.1};
        at::Tensor p = at::tensor({0.7, -1.3}, at::kDouble).requires_grad_(true);
        AdamW opt({{p, true, {}, {}, 1.0}}, o);
        double ref[2] = {0.7, -1.3}, m[2] = {0, 0}, v[2] = {0, 0};
        for (int t = 1; t <= 25; ++t) {
            const double lr = o.lr * (1.0 - t / 50.0);
            const double g[2] = {std::sin(0.3 * t) + ref[0], std::cos(0.7 * t) * 2.0 - ref[1]};
            p.mutable_grad() = at::tensor({g[0], g[1]}, at::kDouble);
            opt.step(lr);
            for (int i = 0; i < 2; ++i) {
                ref[i] *= 1.0 - lr * o.weightDecay;
                m[i] = m[i] * o.beta1 + (1.0 - o.beta1) * g[i];
                v[i] = v[i] * o.beta2 + (1.0 - o.beta2) * g[i] * g[i];
                const double bc1 = 1.0 - std::pow(o.beta1, t), bc2 = 1.0 - std::pow(o.beta2, t);
                ref[i] -= (lr / bc1) * m[i] / (std::sqrt(v[i]) / std::sqrt(bc2) + o.eps);
            }
            for (int i = 0; i < 2; ++i)
                QVERIFY2(std::fabs(p[i].item<double>() - ref[i]) < 1e-13,
                         qPrintable(QStringLiteral("step %1: %2 vs %3").arg(t).arg(p[i].item<double>()).arg(ref[i])));
        }
        QVERIFY(std::fabs(ref[0] - 0.7) > 0.1);  // it moved
    }

    void noDecayWhenSwitchedOff() {
        at::Tensor p = at::tensor({2.0}, at::kDouble).requires_grad_(true);
        p.mutable_grad() = at::tensor({0.0}, at::kDouble);
        AdamW opt({{p, false, {}, {}, 1.0}}, {0.1, 0.9, 0.999, 1e-8, 0.5});
        opt.step(0.1);
        QCOMPARE(p.item<double>(), 2.0);  // zero gradient, no decay: unchanged
    }

    void heldEntriesStayExactlyZero() {
        // A held entry with a large gradient and a non-zero start: zeroed at hold(), never revived.
        at::Tensor p = at::tensor({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}).view({2, 3}).requires_grad_(true);
        const at::Tensor keep = at::tensor({1.0f, 0.0f, 1.0f}).view({1, 3});
        AdamW opt({{p, true, keep, {}, 1.0}}, {0.01, 0.9, 0.999, 1e-8, 0.1});
        QCOMPARE(p.select(1, 1).abs().max().item<float>(), 0.0f);
        for (int t = 0; t < 10; ++t) {
            p.mutable_grad() = at::full({2, 3}, 5.0f - t);
            opt.step(0.01);
            QCOMPARE(p.select(1, 1).abs().max().item<float>(), 0.0f);
            QCOMPARE(opt.expAvg(0).select(1, 1).abs().max().item<float>(), 0.0f);
            QCOMPARE(opt.expAvgSq(0).select(1, 1).abs().max().item<float>(), 0.0f);
        }
        QVERIFY(p[0][0].item<float>() < 1.0f);  // the others trained
        QVERIFY_THROWS_EXCEPTION(ShapeError, opt.hold(0, at::ones({4})));
    }

    void frozenEntriesKeepTheirValues() {
        // Frozen entries (train multiplier 0) keep their value bit for bit despite gradient and weight decay;
        // maskGradients() zeroes their gradient before clipping; a bad multiplier or scale is refused.
        at::Tensor p = at::tensor({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}).view({2, 3}).requires_grad_(true);
        const at::Tensor before = p.detach().clone();
        const at::Tensor train = at::tensor({1.0f, 0.0f, 1.0f}).view({1, 3});
        AdamW opt({{p, true, {}, train, 1.0}}, {0.01, 0.9, 0.999, 1e-8, 0.5});
        for (int t = 0; t < 5; ++t) {
            p.mutable_grad() = at::full({2, 3}, 2.0f + t);
            opt.maskGradients();
            QCOMPARE(p.grad().select(1, 1).abs().max().item<float>(), 0.0f);
            opt.step(0.01);
        }
        QVERIFY(at::equal(p.detach().select(1, 1), before.select(1, 1)));
        QVERIFY((p.detach().select(1, 0) < before.select(1, 0)).all().item<bool>());
        at::Tensor q = at::zeros({2, 3}).requires_grad_(true);
        QVERIFY_THROWS_EXCEPTION(ShapeError, AdamW({{q, true, {}, at::ones({4}), 1.0}}, {}));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, AdamW({{q, true, {}, {}, -1.0}}, {}));
    }

    void lrScaleIsTheTensorsOwnLearningRate() {
        at::Tensor a = at::tensor({1.0, -2.0}, at::kDouble).requires_grad_(true);
        at::Tensor b = a.detach().clone().requires_grad_(true);
        AdamW scaled({{a, true, {}, {}, 0.25}}, {0.1, 0.9, 0.999, 1e-8, 0.1});
        AdamW plain({{b, true, {}, {}, 1.0}}, {0.1, 0.9, 0.999, 1e-8, 0.1});
        for (int t = 0; t < 4; ++t) {
            a.mutable_grad() = at::tensor({0.5 + t, -1.0}, at::kDouble);
            b.mutable_grad() = a.grad().clone();
            scaled.step(0.08);
            plain.step(0.02);
        }
        QVERIFY(at::equal(a, b));
    }

    void clipsGlobalNorm() {
        at::Tensor a = at::zeros({2}).requires_grad_(true), b = at::zeros({1}).requires_grad_(true);
        a.mutable_grad() = at::tensor({3.0f, 0.0f});
        b.mutable_grad() = at::tensor({4.0f});
        QVERIFY(std::fabs(clipGradNorm({a, b}, 1.0) - 5.0) < 1e-6);
        const double scale = 1.0 / (5.0 + 1e-6);
        QVERIFY(std::fabs(a.grad()[0].item<float>() - 3.0 * scale) < 1e-6);
        QVERIFY(std::fabs(b.grad()[0].item<float>() - 4.0 * scale) < 1e-6);
        QVERIFY(std::fabs(clipGradNorm({a, b}, 10.0) - 1.0) < 1e-5);  // below: untouched
        QVERIFY(std::fabs(b.grad()[0].item<float>() - 4.0 * scale) < 1e-6);
    }

    void optionsAreValidated() {
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, (AdamWOptions{-1.0, 0.9, 0.999, 1e-8, 0.0}.validate()));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, (AdamWOptions{1e-3, 1.0, 0.999, 1e-8, 0.0}.validate()));
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, (AdamWOptions{1e-3, 0.9, 0.999, 0.0, 0.0}.validate()));
    }

    void schedulesMatchTransformers() {
        const Schedule lin{ScheduleKind::Linear, 2, 10};
        QCOMPARE(lin.multiplier(0), 0.0);
        QCOMPARE(lin.multiplier(1), 0.5);
        QCOMPARE(lin.multiplier(2), 1.0);
        QCOMPARE(lin.multiplier(6), 0.5);
        QCOMPARE(lin.multiplier(10), 0.0);
        const Schedule cos{ScheduleKind::Cosine, 0, 10};
        QCOMPARE(cos.multiplier(0), 1.0);
        QVERIFY(std::fabs(cos.multiplier(5) - 0.5) < 1e-15);
        QVERIFY(std::fabs(cos.multiplier(10)) < 1e-15);
        const Schedule floor{ScheduleKind::Cosine, 0, 10, 0.1};
        QVERIFY(std::fabs(floor.multiplier(10) - 0.1) < 1e-15);
        QVERIFY(std::fabs(floor.multiplier(5) - 0.55) < 1e-15);
        const Schedule constant{ScheduleKind::Constant, 4, 10};
        QCOMPARE(constant.multiplier(1), 0.25);
        QCOMPARE(constant.multiplier(9), 1.0);
        QCOMPARE(parseSchedule("cosine"), ScheduleKind::Cosine);
        QVERIFY_THROWS_EXCEPTION(InvalidArgument, parseSchedule("step"));
    }
};

QTEST_GUILESS_MAIN(TestAdamW)
#include "test_adamw.moc"
