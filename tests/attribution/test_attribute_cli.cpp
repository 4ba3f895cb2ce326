// prominence-cli attribute end to end on llama-tiny: the tensors it writes match Captum's reference,
// and bad input fails with a clear message and the documented exit code.
// LibTorch first: its headers use `slots` as a name, which Qt defines as a macro.
#include "core/model/safetensors.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include <QProcess>
#include <QtTest>

#include "tests/common/test_support.h"

using namespace prominence;

class TestAttributeCli : public QObject {
    Q_OBJECT

    struct Result {
        int code;
        QString out;
        QString err;
    };

    Result run(const QStringList& args) {
        const prominence::test::CliResult r = prominence::test::runCli(args, 300000);
        return {r.code, r.outText(), r.err};
    }

    QString writeInput(const QString& name, const nlohmann::json& j) {
        const QString path = prominence::test::tempDir() + QLatin1Char('/') + name;
        std::ofstream(path.toStdString()) << j.dump();
        return path;
    }

private slots:
    void initTestCase() { QVERIFY2(!prominence::test::cliPath().isEmpty(), "PROMINENCE_CLI not set (run through ctest)"); }

    void writesCaptumsNumbers() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny");
        std::ifstream refJson((dir + QStringLiteral("/ig_reference.json")).toStdString());
        const nlohmann::json ref = nlohmann::json::parse(refJson);
        const QString input = writeInput(QStringLiteral("seq.json"), {{"input_ids", ref.at("input_ids")}});
        const QString output = prominence::test::tempDir() + QStringLiteral("/ig.safetensors");
        const Result r = run({QStringLiteral("attribute"), QStringLiteral("--model"), dir, QStringLiteral("--input"), input,
                              QStringLiteral("--target-token"), QString::number(ref.at("target_token").get<int>()),
                              QStringLiteral("--output"), output});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const nlohmann::json summary = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(summary.at("params").at("rule").get<std::string>(), std::string("gausslegendre"));
        QCOMPARE(summary.at("params").at("steps").get<int>(), 20);

        const auto got = SafetensorsFile::open(output.toStdString());
        const auto want = SafetensorsFile::open((dir + QStringLiteral("/ig_reference.safetensors")).toStdString());
        QCOMPARE(got->entries().size(), size_t(6));  // ig.0..2, delta.0..2
        for (int L = 0; L < 3; ++L) {
            const at::Tensor ig = got->tensor("ig." + std::to_string(L));
            QCOMPARE(ig.scalar_type(), at::kFloat);
            QCOMPARE(ig.sizes(), (at::IntArrayRef{176}));
            const at::Tensor expected = want->tensor("ig.layer" + std::to_string(L) + ".last_position.gausslegendre.n20.float32").to(at::kDouble);
            const double err = (ig.to(at::kDouble) - expected).abs().max().item<double>() / expected.abs().max().item<double>();
            QVERIFY2(err <= 1e-4, qPrintable(QStringLiteral("layer %1: rel err %2").arg(L).arg(err)));
            const double delta = got->tensor("delta." + std::to_string(L)).item<double>();
            const nlohmann::json& rec = ref.at("layers").at("layer" + std::to_string(L) + "/last_position/float32");
            QVERIFY(std::abs(delta - rec.at("gausslegendre/n20").at("convergence_delta").get<double>()) <=
                    1e-4 * std::abs(rec.at("f_x_minus_f_baseline").get<double>()));
        }
    }

    void oneLayerAllPositions() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/gpt2-tiny");
        const QString input = writeInput(QStringLiteral("short.json"), {{"input_ids", {{5, 6, 7, 8}}}, {"attention_mask", {{1, 1, 1, 1}}}});
        const QString output = prominence::test::tempDir() + QStringLiteral("/one.safetensors");
        const Result r = run({QStringLiteral("attribute"), QStringLiteral("--model"), dir, QStringLiteral("--input"), input,
                              QStringLiteral("--target-token"), QStringLiteral("3"), QStringLiteral("--layer"), QStringLiteral("1"),
                              QStringLiteral("--positions"), QStringLiteral("all"), QStringLiteral("--rule"), QStringLiteral("riemann_middle"),
                              QStringLiteral("--steps"), QStringLiteral("8"), QStringLiteral("--objective"), QStringLiteral("prob"),
                              QStringLiteral("--position"), QStringLiteral("2"), QStringLiteral("--output"), output});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const auto got = SafetensorsFile::open(output.toStdString());
        QCOMPARE(got->entries().size(), size_t(2));
        QCOMPARE(got->tensor("ig.1").sizes(), (at::IntArrayRef{256}));
        QVERIFY(got->find("delta.1") != nullptr);
    }

    void badInputFailsClearly() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny");
        const QString input = writeInput(QStringLiteral("ok.json"), {{"input_ids", {{1, 2, 3}}}});
        const QString output = prominence::test::tempDir() + QStringLiteral("/bad.safetensors");
        const QStringList base = {QStringLiteral("attribute"), QStringLiteral("--model"), dir, QStringLiteral("--input"), input,
                                  QStringLiteral("--output"), output, QStringLiteral("--target-token")};

        Result r = run(base + QStringList{QStringLiteral("5"), QStringLiteral("--rule"), QStringLiteral("simpson")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QStringLiteral("'simpson'")), qPrintable(r.err));
        r = run(base + QStringList{QStringLiteral("5"), QStringLiteral("--layer"), QStringLiteral("first")});
        QCOMPARE(r.code, 2);
        r = run(base + QStringList{QStringLiteral("5"), QStringLiteral("--objective"), QStringLiteral("margin")});
        QCOMPARE(r.code, 2);
        r = run(base + QStringList{QStringLiteral("5"), QStringLiteral("--steps"), QStringLiteral("0")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QStringLiteral("got 0")), qPrintable(r.err));
        r = run(base + QStringList{QStringLiteral("5000")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("target token 5000")), qPrintable(r.err));
        r = run(base + QStringList{QStringLiteral("5"), QStringLiteral("--layer"), QStringLiteral("3")});
        QCOMPARE(r.code, 1);  // the model decides how many layers there are
        QVERIFY2(r.err.contains(QStringLiteral("layer 3")), qPrintable(r.err));
        r = run(base + QStringList{QStringLiteral("5"), QStringLiteral("--position"), QStringLiteral("3")});
        QCOMPARE(r.code, 1);

        const QString batch = writeInput(QStringLiteral("batch.json"), {{"input_ids", {{1, 2}, {3, 4}}}});
        r = run({QStringLiteral("attribute"), QStringLiteral("--model"), dir, QStringLiteral("--input"), batch, QStringLiteral("--output"),
                 output, QStringLiteral("--target-token"), QStringLiteral("5")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("exactly one sequence")), qPrintable(r.err));
        const QString padded = writeInput(QStringLiteral("pad.json"), {{"input_ids", {{1, 2, 0}}}, {"attention_mask", {{1, 1, 0}}}});
        r = run({QStringLiteral("attribute"), QStringLiteral("--model"), dir, QStringLiteral("--input"), padded, QStringLiteral("--output"),
                 output, QStringLiteral("--target-token"), QStringLiteral("5")});
        QCOMPARE(r.code, 1);
        QVERIFY(r.out.isEmpty());
        QVERIFY(!QFileInfo::exists(output));
    }
};

QTEST_GUILESS_MAIN(TestAttributeCli)
#include "test_attribute_cli.moc"
