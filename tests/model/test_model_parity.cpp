// Forward-pass parity with transformers v4.40.2 (fixtures/models/*/reference.safetensors): logits and
// the MLP site activations of every batch, padded ones at their real positions only.
// LibTorch before Qt: Qt's `slots` keyword macro breaks ATen's ivalue headers.
#include "core/common/torch.h"

#include <QtTest>

#include <cstdio>

#include "core/model/model.h"
#include "core/model/safetensors.h"
#include "tests/common/test_support.h"
#include "tests/model/test_support_model.h"

using namespace prominence;

class TestModelParity : public QObject {
    Q_OBJECT

    // Returns the largest difference seen; fails the test on one above `tol`.
    static double compare(const char* what, const std::string& model, const std::string& batch, const at::Tensor& ours,
                          const at::Tensor& ref, const at::Tensor& mask, double tol) {
        if (ours.sizes() != ref.sizes()) {
            QTest::qFail(qPrintable(QStringLiteral("%1 %2.%3: shape mismatch").arg(test::qs(model), test::qs(batch), QLatin1String(what))),
                         __FILE__, __LINE__);
            return 1e9;
        }
        const double d = test::maxAbsDiffAtTokens(ours, ref, mask);
        std::printf("  %-20s %-16s %-22s max abs diff %.3g\n", model.c_str(), batch.c_str(), what, d);
        return d;
    }

    void runParity(const QString& dir, const std::string& name, at::ScalarType dtype, const char* logitsKey, double logitTol,
                   double actTol) {
        LoadOptions opts;
        opts.dtype = dtype;
        const auto model = Model::load(dir.toStdString(), opts);
        const auto ref = SafetensorsFile::open((dir + QStringLiteral("/reference.safetensors")).toStdString());
        at::NoGradGuard noGrad;
        for (const std::string batch : {"single", "single_b", "right_pad", "left_pad", "left_pad_posids"}) {
            ForwardInput in;
            in.inputIds = ref->tensor(batch + ".input_ids");
            in.attentionMask = ref->tensor(batch + ".attention_mask");
            if (ref->find(batch + ".position_ids")) in.positionIds = ref->tensor(batch + ".position_ids");
            ForwardOptions fo;
            fo.returnSites = true;
            const ForwardOutput out = model->forward(in, fo);
            const double dl = compare(logitsKey, name, batch, out.logits, ref->tensor(batch + "." + logitsKey), in.attentionMask, logitTol);
            QVERIFY2(dl <= logitTol, qPrintable(QStringLiteral("%1 %2 logits differ by %3").arg(test::qs(name), test::qs(batch)).arg(dl)));
            if (actTol > 0) {
                const at::Tensor acts = at::stack(out.sites);  // [L, B, T, I]
                const double da = compare("mlp_act", name, batch, acts, ref->tensor(batch + ".mlp_act"), in.attentionMask, actTol);
                QVERIFY2(da <= actTol, qPrintable(QStringLiteral("%1 %2 mlp_act differs by %3").arg(test::qs(name), test::qs(batch)).arg(da)));
            }
        }
    }

private slots:
    void float32_data() {
        QTest::addColumn<QString>("model");
        for (const char* m : {"gpt2-tiny", "llama-tiny", "llama-tiny-sharded", "llama-tiny-bf16", "mistral-tiny", "qwen2-tiny", "gpt_neox-tiny"})
            QTest::newRow(m) << QString::fromLatin1(m);
    }
    // Every model in f32 (BF16 weights upcast, as the reference did): 1e-4 absolute.
    void float32() {
        QFETCH(QString, model);
        const QString rel = QStringLiteral("fixtures/models/") + model;
        const QString dir = test::sharedPath(rel);
        if (dir.isEmpty()) QSKIP(qPrintable(QStringLiteral("fixture %1 not found: set PROMINENCE_SHARED").arg(rel)));
        runParity(dir, model.toStdString(), at::kFloat, "logits", 1e-4, 1e-4);
    }

    // Computing in BF16 rounds every matmul output, norm and activation to 8 significant bits
    // (relative step 2^-8 = 0.0039). Logits of this model reach |4|, so one BF16 ulp of the largest
    // logits is 4 * 2^-8 = 0.0156; kernels that accumulate in another order or round at other
    // points can disagree by a few such ulps after 3 layers. Tolerance: 4 ulps = 0.0625. Measured:
    // 0 on single_b (bit-identical to PyTorch's BF16 run), <= 0.04 on the 12-token batches, where
    // the mean difference is as large as f32-vs-BF16 (printed below): the BF16 matmul kernels
    // round differently there, so this tolerance bounds BF16 noise and cannot tell more.
    void bfloat16Compute() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny-bf16");
        runParity(dir, "llama-tiny-bf16", at::kBFloat16, "logits_bf16compute", 0.0625, 0);
        LoadOptions bf16;
        bf16.dtype = at::kBFloat16;
        const auto model = Model::load(dir.toStdString(), bf16);
        const auto ref = SafetensorsFile::open((dir + QStringLiteral("/reference.safetensors")).toStdString());
        at::NoGradGuard noGrad;
        for (const std::string batch : {"single", "single_b", "right_pad", "left_pad", "left_pad_posids"}) {
            ForwardInput in{ref->tensor(batch + ".input_ids"), ref->tensor(batch + ".attention_mask"), {}};
            if (ref->find(batch + ".position_ids")) in.positionIds = ref->tensor(batch + ".position_ids");
            const at::Tensor ours = model->forward(in).logits.to(at::kFloat);
            const at::Tensor target = ref->tensor(batch + ".logits_bf16compute");
            const at::Tensor f32 = ref->tensor(batch + ".logits");
            const at::Tensor keep = in.attentionMask.ne(0).unsqueeze(-1).expand_as(target);
            const double oursMean = (ours - target).abs().masked_select(keep).mean().item<double>();
            const double f32Mean = (f32 - target).abs().masked_select(keep).mean().item<double>();
            std::printf("  %-16s mean |ours - bf16 ref| %.3g, mean |f32 ref - bf16 ref| %.3g\n", batch.c_str(), oursMean, f32Mean);
        }
    }
};

QTEST_GUILESS_MAIN(TestModelParity)
#include "test_model_parity.moc"
