// prominence-cli info --model, forward and generate, end to end through the executable.
#include "core/common/torch.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/model/safetensors.h"
#include "tests/common/test_support.h"
#include "tests/model/test_support_model.h"

using namespace prominence;

class TestModelCli : public QObject {
    Q_OBJECT

    struct Result {
        int code;
        QString out;
        QString err;
    };
    Result run(const QStringList& args) {
        const prominence::test::CliResult r = prominence::test::runCli(args, 120000);
        return {r.code, r.outText(), r.err};
    }

private slots:
    void initTestCase() { QVERIFY2(!test::cliPath().isEmpty(), "PROMINENCE_CLI not set (run through ctest)"); }

    void infoDescribesCheckpoint() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/llama-tiny-bf16");
        const Result r = run({QStringLiteral("info"), QStringLiteral("--model"), dir});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o.value(QStringLiteral("architecture")).toString(), QStringLiteral("llama"));
        QCOMPARE(o.value(QStringLiteral("num_layers")).toInt(), 3);
        QCOMPARE(o.value(QStringLiteral("hidden_size")).toInt(), 64);
        QCOMPARE(o.value(QStringLiteral("intermediate_size")).toInt(), 176);
        QCOMPARE(o.value(QStringLiteral("num_heads")).toInt(), 4);
        QCOMPARE(o.value(QStringLiteral("num_kv_heads")).toInt(), 2);
        QCOMPARE(o.value(QStringLiteral("vocab_size")).toInt(), 1000);
        // embed 1000*64 + lm_head 1000*64 + norm 64 + 3 * (2*64 + q,o 64*64*2 + k,v 32*64*2 + 3*176*64)
        QCOMPARE(o.value(QStringLiteral("parameters")).toInteger(), 1000 * 64 * 2 + 64 + 3 * (128 + 8192 + 4096 + 3 * 176 * 64));
        QCOMPARE(o.value(QStringLiteral("dtype")).toString(), QStringLiteral("bfloat16"));
    }

    void infoOnBadDirFails() {
        const Result r = run({QStringLiteral("info"), QStringLiteral("--model"), test::tempDir() + QStringLiteral("/nothing")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("not a directory")), qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }

    void forwardMatchesReference() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/gpt2-tiny");
        const auto ref = SafetensorsFile::open((dir + QStringLiteral("/reference.safetensors")).toStdString());
        auto rows = [](const at::Tensor& t) {
            nlohmann::json j = nlohmann::json::array();
            for (std::int64_t b = 0; b < t.size(0); ++b) {
                std::vector<std::int64_t> row(t[b].data_ptr<std::int64_t>(), t[b].data_ptr<std::int64_t>() + t.size(1));
                j.push_back(row);
            }
            return j;
        };
        const at::Tensor mask = ref->tensor("left_pad_posids.attention_mask");
        const nlohmann::json in = {{"input_ids", rows(ref->tensor("left_pad_posids.input_ids").contiguous())},
                                   {"attention_mask", rows(mask.contiguous())},
                                   {"position_ids", rows(ref->tensor("left_pad_posids.position_ids").contiguous())}};
        const std::string inPath = (test::tempDir() + QStringLiteral("/in.json")).toStdString();
        const QString outPath = test::tempDir() + QStringLiteral("/out.safetensors");
        std::ofstream(inPath) << in.dump();
        const Result r = run({QStringLiteral("forward"), QStringLiteral("--model"), dir, QStringLiteral("--input"),
                              QString::fromStdString(inPath), QStringLiteral("--output"), outPath});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
        const auto out = SafetensorsFile::open(outPath.toStdString());
        QCOMPARE(out->metadata().at("format"), std::string("pt"));
        QCOMPARE(out->entries().size(), std::size_t{3});  // logits, mlp.0, mlp.1
        const double dl = test::maxAbsDiffAtTokens(out->tensor("logits"), ref->tensor("left_pad_posids.logits"), mask);
        const at::Tensor acts = at::stack({out->tensor("mlp.0"), out->tensor("mlp.1")});
        const double da = test::maxAbsDiffAtTokens(acts, ref->tensor("left_pad_posids.mlp_act"), mask);
        std::printf("  cli forward gpt2-tiny left_pad_posids: logits %.3g, mlp %.3g\n", dl, da);
        QVERIFY(dl < 1e-4);
        QVERIFY(da < 1e-4);
    }

    void forwardRejectsRaggedInput() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/gpt2-tiny");
        const std::string inPath = (test::tempDir() + QStringLiteral("/ragged.json")).toStdString();
        std::ofstream(inPath) << R"({"input_ids": [[1, 2, 3], [4, 5]]})";
        const Result r = run({QStringLiteral("forward"), QStringLiteral("--model"), dir, QStringLiteral("--input"),
                              QString::fromStdString(inPath), QStringLiteral("--output"), test::tempDir() + QStringLiteral("/x.safetensors")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("row 1 has 2 entries, expected 3")), qPrintable(r.err));
    }

    void generateFromBos() {
        PROMINENCE_REQUIRE_SHARED(dir, "fixtures/models/stories260K-hf");
        const Result r = run({QStringLiteral("generate"), QStringLiteral("--model"), dir, QStringLiteral("--max-new-tokens"),
                              QStringLiteral("8")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonArray ids = QJsonDocument::fromJson(r.out.toUtf8()).object().value(QStringLiteral("ids")).toArray();
        const int expected[] = {403, 407, 261, 378, 432, 383, 286, 261};  // reference.json greedy_ids[:8]
        QCOMPARE(ids.size(), 8);
        for (int i = 0; i < 8; ++i) QCOMPARE(ids[i].toInt(), expected[i]);
    }
};

QTEST_GUILESS_MAIN(TestModelCli)
#include "test_model_cli.moc"
