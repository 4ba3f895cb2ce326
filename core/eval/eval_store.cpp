#include "core/eval/eval_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "core/common/error.h"

namespace prominence::eval {
namespace {

namespace fs = std::filesystem;

void fnv1a(std::uint64_t& h, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LoadError(path + ": cannot open file for hashing");
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        for (std::streamsize i = 0; i < in.gcount(); ++i) {
            h ^= static_cast<unsigned char>(buf[i]);
            h *= 1099511628211ull;
        }
    }
}

std::string hashPath(const std::string& path) {
    std::uint64_t h = 14695981039346656037ull;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        std::vector<std::string> files;
        for (const auto& e : fs::directory_iterator(path, ec))
            if (e.is_regular_file()) files.push_back(e.path().string());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) fnv1a(h, f);
    } else if (fs::exists(path, ec)) {
        fnv1a(h, path);
    } else {
        return {};
    }
    std::ostringstream os;
    os << "fnv1a64:" << std::hex << std::setw(16) << std::setfill('0') << h;
    return os.str();
}

void fnv1aBytes(std::uint64_t& h, const char* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        h ^= static_cast<unsigned char>(data[i]);
        h *= 1099511628211ull;
    }
}

}  // namespace

std::string weightsHash(const std::string& modelDir) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(modelDir, ec))
        if (e.is_regular_file() && e.path().extension() == ".safetensors") files.push_back(e.path());
    if (ec || files.empty()) return {};
    // The model's own files (model.safetensors, model-0000k-of-0000n.safetensors) where it names them
    // so; other safetensors beside them (a reference's tensors) are not its weights.
    std::vector<fs::path> own;
    for (const fs::path& f : files)
        if (f.filename().string().rfind("model", 0) == 0) own.push_back(f);
    if (!own.empty()) files = own;
    std::sort(files.begin(), files.end());
    std::uint64_t h = 14695981039346656037ull;
    constexpr std::uint64_t kBlock = 4096, kSamples = 16;
    std::vector<char> buf;
    for (const fs::path& f : files) {
        const std::string name = f.filename().string();
        fnv1aBytes(h, name.data(), name.size() + 1);
        std::ifstream in(f, std::ios::binary);
        if (!in) throw LoadError(f.string() + ": cannot open file for hashing");
        const std::uint64_t size = fs::file_size(f, ec);
        if (ec) throw LoadError(f.string() + ": cannot read its size: " + ec.message());
        fnv1aBytes(h, reinterpret_cast<const char*>(&size), sizeof size);
        // The 8-byte header length and the header itself (bounded: a damaged length is hashed as it is).
        std::uint64_t headerLen = 0;
        if (!in.read(reinterpret_cast<char*>(&headerLen), 8)) continue;
        fnv1aBytes(h, reinterpret_cast<const char*>(&headerLen), 8);
        const std::uint64_t header = std::min<std::uint64_t>(headerLen, size > 8 ? size - 8 : 0);
        buf.resize(static_cast<std::size_t>(header));
        in.read(buf.data(), static_cast<std::streamsize>(header));
        fnv1aBytes(h, buf.data(), static_cast<std::size_t>(in.gcount()));
        // Blocks sampled evenly over the data, so changed weights (a pruned export) change the hash.
        const std::uint64_t dataStart = 8 + header;
        if (size <= dataStart) continue;
        const std::uint64_t dataLen = size - dataStart;
        buf.resize(kBlock);
        for (std::uint64_t k = 0; k < kSamples; ++k) {
            const std::uint64_t at = dataStart + (dataLen > kBlock ? (dataLen - kBlock) * k / (kSamples - 1) : 0);
            in.clear();
            in.seekg(static_cast<std::streamoff>(at));
            in.read(buf.data(), static_cast<std::streamsize>(std::min(kBlock, dataLen)));
            fnv1aBytes(h, buf.data(), static_cast<std::size_t>(in.gcount()));
            if (dataLen <= kBlock) break;
        }
    }
    std::ostringstream os;
    os << "fnv1a64:" << std::hex << std::setw(16) << std::setfill('0') << h;
    return os.str();
}

nlohmann::json summaryJson(const EvalSummary& s) {
    nlohmann::json j = {{"n", s.n}, {"acc", s.acc}};
    if (s.accNorm) j["acc_norm"] = *s.accNorm;
    if (s.accBytes) j["acc_bytes"] = *s.accBytes;
    if (s.mc2) j["mc2"] = *s.mc2;
    return j;
}

nlohmann::json itemJson(const ItemScore& s) {
    nlohmann::json j = {{"index", s.index}, {"id", s.id}, {"prompt", s.prompt}};
    j[s.predNorm ? "continuations" : "letters"] = s.continuations;
    j["scores"] = s.scores;
    j["probs"] = s.probs;
    j["pred"] = s.pred;
    j["gold"] = s.gold;
    if (s.golds.size() > 1) j["golds"] = s.golds;
    j["correct"] = s.correct;
    j["p_correct"] = s.pCorrect;
    j["margin"] = s.margin;
    if (s.predNorm) j["pred_norm"] = *s.predNorm;
    if (s.predBytes) j["pred_bytes"] = *s.predBytes;
    return j;
}

workspace::ModelRecord modelRecord(const Model& model, const std::string& modelDir) {
    workspace::ModelRecord mr;
    mr.path = fs::absolute(modelDir).string();
    mr.name = fs::path(modelDir).filename().string();
    mr.architecture = model.config().modelType;
    mr.configHash = hashPath((fs::path(modelDir) / "config.json").string());
    mr.weightsHash = weightsHash(modelDir);
    mr.info = {{"layers", model.numLayers()}, {"hidden_size", model.hiddenSize()},
               {"intermediate_size", model.intermediateSize()}, {"vocab_size", model.vocabSize()},
               {"parameters", model.parameterCount()}, {"dtype", model.storedDtype()}};
    return mr;
}

workspace::BenchmarkRecord benchmarkRecord(const std::string& benchmarkPath, const std::string& format,
                                           const nlohmann::json& fieldMapping, std::int64_t itemCount) {
    workspace::BenchmarkRecord br;
    br.path = fs::absolute(benchmarkPath).string();
    br.name = fs::path(benchmarkPath).filename().string();
    br.hash = hashPath(benchmarkPath);
    br.format = format;
    br.fieldMapping = fieldMapping;
    br.itemCount = itemCount;
    return br;
}

workspace::Id storeEvalRun(workspace::Workspace& ws, const Model& model, const EvalRunInfo& info,
                           const EvalResult& result) {
    const workspace::Id modelId = ws.addModel(modelRecord(model, info.modelDir));
    const workspace::BenchmarkRecord br =
        benchmarkRecord(info.benchmarkPath, info.benchmarkFormat, info.fieldMapping, info.benchmarkItems);
    const workspace::Id benchmarkId = ws.addBenchmark(br);

    workspace::RunStart start;
    start.kind = "eval";
    start.name = br.name + " (" + info.params.value("scoring", std::string("loglik")) + ")";
    start.modelId = modelId;
    start.benchmarkId = benchmarkId;
    start.params = info.params;
    const workspace::Id runId = ws.beginRun(start);
    try {
        std::vector<workspace::ItemResult> rows;
        for (const auto& s : result.items) {
            workspace::ItemResult r;
            r.index = s.index;
            r.itemId = s.id;
            r.prompt = s.prompt;
            r.continuations = s.continuations;
            r.scores = s.scores;
            r.probs = s.probs;
            r.pred = s.pred;
            r.gold = s.gold;
            r.correct = s.correct;
            r.pCorrect = s.pCorrect;
            r.margin = s.margin;
            if (s.predNorm) r.extra["pred_norm"] = *s.predNorm;
            if (s.predBytes) r.extra["pred_bytes"] = *s.predBytes;
            if (s.golds.size() > 1) r.extra["golds"] = s.golds;
            r.extra["scoring"] = s.predNorm ? "loglik" : "letter";
            rows.push_back(std::move(r));
            if (rows.size() == 1000) {
                ws.addItems(runId, rows);
                rows.clear();
            }
        }
        if (!rows.empty()) ws.addItems(runId, rows);
        ws.finishRun(runId, summaryJson(result.summary));
    } catch (const std::exception& e) {
        ws.failRun(runId, e.what());
        throw;
    }
    return runId;
}

}  // namespace prominence::eval
