// Malformed checkpoints and configs: each gives one clear error naming the file and the tensor or
// key at fault, never a crash.
// LibTorch before Qt: Qt's `slots` keyword macro breaks ATen's ivalue headers.
#include "core/common/torch.h"

#include <QtTest>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "core/model/model.h"
#include "core/model/safetensors.h"
#include "tests/common/test_support.h"

using namespace prominence;
namespace fs = std::filesystem;

namespace {

// Writes a safetensors file byte by byte so tests can break any part of it.
void writeRaw(const std::string& path, const std::string& header, const std::string& data,
              std::int64_t headerLenOverride = -1) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    const std::uint64_t n = headerLenOverride >= 0 ? static_cast<std::uint64_t>(headerLenOverride) : header.size();
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
    out << header << data;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

class TestModelLoaderErrors : public QObject {
    Q_OBJECT

    QString llama_;
    int counter_ = 0;

    // A fresh copy of llama-tiny's config.json in a new directory.
    std::string freshDir() {
        const std::string dir = (prominence::test::tempDir() + QStringLiteral("/bad%1").arg(++counter_)).toStdString();
        fs::create_directories(dir);
        fs::copy_file(llama_.toStdString() + "/config.json", dir + "/config.json");
        return dir;
    }
    std::vector<NamedTensor> fixtureTensors() {
        const auto f = SafetensorsFile::open(llama_.toStdString() + "/model.safetensors");
        std::vector<NamedTensor> out;
        for (const auto& e : f->entries()) out.push_back({e.name, f->tensor(e.name).clone()});
        return out;
    }
    // Loads `dir`; requires an Error of type E whose message contains every needle.
    template <typename E>
    void expectError(const std::string& dir, std::initializer_list<const char*> needles) {
        try {
            Model::load(dir);
        } catch (const E& e) {
            const QString msg = QString::fromStdString(e.what());
            qInfo("%s", e.what());
            for (const char* n : needles) QVERIFY2(msg.contains(QString::fromUtf8(n)), qPrintable(QStringLiteral("'%1' lacks '%2'").arg(msg, QString::fromUtf8(n))));
            return;
        } catch (const std::exception& e) {
            QFAIL(qPrintable(QStringLiteral("wrong exception type: %1").arg(QString::fromUtf8(e.what()))));
        }
        QFAIL("loaded without error");
    }
    void editConfig(const std::string& dir, const std::function<void(std::string&)>& edit) {
        std::string text = readFile(dir + "/config.json");
        edit(text);
        std::ofstream(dir + "/config.json", std::ios::trunc) << text;
    }
    void setConfigKey(const std::string& dir, const std::string& key, const nlohmann::json& value) {
        auto j = nlohmann::json::parse(readFile(dir + "/config.json"));
        j[key] = value;
        std::ofstream(dir + "/config.json", std::ios::trunc) << j.dump(1);
    }

private slots:
    void initTestCase() {
        llama_ = prominence::test::sharedPath(QStringLiteral("fixtures/models/llama-tiny"));
        if (llama_.isEmpty()) QSKIP("fixture fixtures/models/llama-tiny not found: set PROMINENCE_SHARED");
    }

    void truncatedFile() {
        const std::string dir = freshDir();
        const std::string bytes = readFile(llama_.toStdString() + "/model.safetensors");
        std::ofstream(dir + "/model.safetensors", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
        expectError<LoadError>(dir, {"model.safetensors", "truncated"});
    }
    void fileShorterThanLength() {
        const std::string dir = freshDir();
        std::ofstream(dir + "/model.safetensors", std::ios::binary) << "abc";
        expectError<LoadError>(dir, {"model.safetensors", "shorter than the 8-byte header length"});
    }
    void headerLengthPastEnd() {
        const std::string dir = freshDir();
        writeRaw(dir + "/model.safetensors", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", "abcd", 4096);
        expectError<LoadError>(dir, {"model.safetensors", "header length 4096 runs past the end"});
    }
    void oversizedHeader() {
        const std::string dir = freshDir();
        writeRaw(dir + "/model.safetensors", "{}", "", std::int64_t{1} << 40);
        expectError<LoadError>(dir, {"model.safetensors", "exceeds the 100000000-byte limit"});
    }
    void headerNotJson() {
        const std::string dir = freshDir();
        writeRaw(dir + "/model.safetensors", "{\"a\": [1,", "");
        expectError<LoadError>(dir, {"model.safetensors", "header is not valid JSON"});
    }
    void overlappingOffsets() {
        const std::string dir = freshDir();
        writeRaw(dir + "/model.safetensors",
                 R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                 std::string(12, '\0'));
        expectError<LoadError>(dir, {"model.safetensors", "tensor 'y'", "overlap tensor 'x'"});
    }
    void offsetsOutOfRange() {
        const std::string dir = freshDir();
        writeRaw(dir + "/model.safetensors", R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", std::string(8, '\0'));
        expectError<LoadError>(dir, {"model.safetensors", "tensor 'x'", "out of range"});
    }
    void offsetsDisagreeWithShape() {
        const std::string dir = freshDir();
        writeRaw(dir + "/model.safetensors", R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0'));
        expectError<LoadError>(dir, {"tensor 'x'", "span 8 bytes", "needs 12"});
    }
    void unknownDtype() {
        const std::string dir = freshDir();
        writeRaw(dir + "/model.safetensors", R"({"x":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}})", std::string(4, '\0'));
        expectError<LoadError>(dir, {"model.safetensors", "tensor 'x'", "unknown dtype 'F8_E4M3'"});
    }
    void hugeShapeOverflows() {
        const std::string dir = freshDir();
        writeRaw(dir + "/model.safetensors",
                 R"({"x":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}})", std::string(4, '\0'));
        expectError<LoadError>(dir, {"tensor 'x'", "overflow"});
    }
    void wrongShape() {
        const std::string dir = freshDir();
        auto tensors = fixtureTensors();
        for (auto& t : tensors)
            if (t.name == "model.layers.1.mlp.up_proj.weight") t.tensor = t.tensor.t().contiguous();
        writeSafetensors(dir + "/model.safetensors", tensors);
        expectError<ShapeError>(dir, {"model.safetensors", "tensor 'model.layers.1.mlp.up_proj.weight' has shape [64, 176], expected [176, 64]"});
    }
    void missingTensor() {
        const std::string dir = freshDir();
        auto tensors = fixtureTensors();
        tensors.erase(std::remove_if(tensors.begin(), tensors.end(), [](const NamedTensor& t) { return t.name == "model.norm.weight"; }),
                      tensors.end());
        writeSafetensors(dir + "/model.safetensors", tensors);
        expectError<LoadError>(dir, {"missing tensor 'model.norm.weight'", "expected shape [64]"});
    }
    void unexpectedTensor() {
        const std::string dir = freshDir();
        auto tensors = fixtureTensors();
        tensors.push_back({"model.layers.7.mlp.up_proj.weight", at::zeros({2, 2})});
        writeSafetensors(dir + "/model.safetensors", tensors);
        expectError<LoadError>(dir, {"model.safetensors", "unexpected tensor 'model.layers.7.mlp.up_proj.weight'"});
    }
    void integerWeight() {
        const std::string dir = freshDir();
        auto tensors = fixtureTensors();
        for (auto& t : tensors)
            if (t.name == "model.norm.weight") t.tensor = t.tensor.to(at::kInt);
        writeSafetensors(dir + "/model.safetensors", tensors);
        expectError<LoadError>(dir, {"tensor 'model.norm.weight' has dtype I32"});
    }
    void nanInConfig() {
        const std::string dir = freshDir();
        // Python's json.dumps writes NaN for float('nan'); it is not JSON.
        editConfig(dir, [](std::string& t) { t.replace(t.find("1e-06"), 5, "NaN"); });
        fs::copy_file(llama_.toStdString() + "/model.safetensors", dir + "/model.safetensors");
        expectError<LoadError>(dir, {"config.json", "not valid JSON"});
    }
    void infiniteConfigValue() {
        const std::string dir = freshDir();
        editConfig(dir, [](std::string& t) { t.replace(t.find("10000.0"), 7, "1e999"); });
        fs::copy_file(llama_.toStdString() + "/model.safetensors", dir + "/model.safetensors");
        expectError<LoadError>(dir, {"config.json", "1e999"});
    }
    void absurdConfigValues() {
        const std::pair<const char*, nlohmann::json> cases[] = {
            {"hidden_size", -64}, {"num_hidden_layers", 0}, {"vocab_size", "1000"}, {"num_key_value_heads", 3},
            {"intermediate_size", 1e12}, {"rms_norm_eps", 5.0}, {"rope_theta", 0.0}, {"hidden_act", "swishy"}, {"model_type", "bert"},
        };
        for (const auto& [key, value] : cases) {
            const std::string dir = freshDir();
            fs::copy_file(llama_.toStdString() + "/model.safetensors", dir + "/model.safetensors");
            setConfigKey(dir, key, value);
            expectError<LoadError>(dir, {"config.json", key});
        }
    }
    void missingShard() {
        const QString sharded = prominence::test::sharedPath(QStringLiteral("fixtures/models/llama-tiny-sharded"));
        if (sharded.isEmpty()) QSKIP("llama-tiny-sharded fixture not found");
        const std::string dir = freshDir();
        fs::copy_file(sharded.toStdString() + "/model.safetensors.index.json", dir + "/model.safetensors.index.json");
        fs::copy_file(sharded.toStdString() + "/model-00001-of-00002.safetensors", dir + "/model-00001-of-00002.safetensors");
        expectError<LoadError>(dir, {"model.safetensors.index.json", "shard 'model-00002-of-00002.safetensors'", "missing"});
    }
    void shardPathEscapes() {
        const std::string dir = freshDir();
        std::ofstream(dir + "/model.safetensors.index.json") << R"({"weight_map": {"model.norm.weight": "../../etc/passwd"}})";
        expectError<LoadError>(dir, {"model.safetensors.index.json", "not a plain file name"});
    }
    void pickledOnly() {
        const std::string dir = freshDir();
        std::ofstream(dir + "/pytorch_model.bin") << "not really a pickle";
        expectError<LoadError>(dir, {"pytorch_model.bin", "safetensors only"});
    }
    void noConfig() {
        const std::string dir = freshDir();
        fs::remove(dir + "/config.json");
        expectError<LoadError>(dir, {"no config.json"});
    }
};

QTEST_GUILESS_MAIN(TestModelLoaderErrors)
#include "test_model_loader_errors.moc"
