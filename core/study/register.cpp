#include "core/study/register.h"

#include "core/eval/eval_store.h"
#include "core/model/model.h"
#include "core/study/field_mapping_json.h"
#include "core/workspace/workspace.h"

namespace prominence::study {

workspace::ModelRecord addModel(const std::string& workspacePath, const std::string& modelDir) {
    if (modelDir.empty()) throw ParamsError("addModel: no model directory given");
    const auto model = Model::load(modelDir);
    auto ws = workspace::Workspace::openOrCreate(workspacePath);
    return ws.model(ws.addModel(eval::modelRecord(*model, modelDir)));
}

workspace::BenchmarkRecord addBenchmark(const std::string& workspacePath, const std::string& file,
                                        const data::LoadOptions& load, const Log& log) {
    if (file.empty()) throw ParamsError("addBenchmark: no benchmark file given");
    const data::FieldMapping& f = load.fields;
    if (!f.empty() && (f.question.empty() || f.choices.empty() || f.answer.empty()))
        throw ParamsError(
            "generic files need --field question=PATH, --field choices=PATH and --field "
            "answer=PATH");
    const data::Benchmark bench = data::loadBenchmark(file, load);
    if (!bench.skipped.empty() && log) {
        std::string text = "workspace: skipped " + std::to_string(bench.skipped.size()) +
                           " invalid record(s) in " + file + ":";
        for (const auto& s : bench.skipped) text += "\n  " + s.reason;
        log(text);
    }
    auto ws = workspace::Workspace::openOrCreate(workspacePath);
    const workspace::BenchmarkRecord record =
        eval::benchmarkRecord(file, bench.format, fieldMappingJson(load.fields),
                              static_cast<std::int64_t>(bench.items.size()));
    return ws.benchmark(ws.addBenchmark(record));
}

}  // namespace prominence::study
