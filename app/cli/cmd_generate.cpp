// prominence-cli generate: greedy continuation of a prompt of token ids (a sanity check).
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "core/model/generate.h"

namespace prominence::cli {
namespace {

std::vector<std::int64_t> parseIds(const std::string& text) {
    std::vector<std::int64_t> ids;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        std::size_t used = 0;
        long long v = -1;
        try {
            v = std::stoll(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != item.size() || v < 0)
            throw UsageError("--prompt-ids expects comma-separated non-negative integers, got '" + item + "'");
        ids.push_back(v);
    }
    return ids;
}

int runGenerate(const Args& args, Context& ctx) {
    LoadOptions lo;
    lo.dtype = parseComputeDtype(args.get("dtype"));
    lo.device = parseDevice(args.get("device"));
    const long long maxNew = args.getInt("max-new-tokens");
    if (maxNew < 0 || maxNew > 1000000) throw UsageError("--max-new-tokens must be in [0, 1000000], got " + std::to_string(maxNew));
    const auto model = Model::load(args.get("model"), lo);
    std::vector<std::int64_t> prompt;
    if (args.has("prompt-ids")) {
        prompt = parseIds(args.get("prompt-ids"));
    } else {
        if (!model->config().bosTokenId) throw UsageError("config.json has no bos_token_id: give --prompt-ids");
        prompt = {*model->config().bosTokenId};
    }
    GenerateOptions go;
    go.maxNewTokens = maxNew;
    go.stopAtEos = !args.flag("ignore-eos");
    Progress progress(stderrProgress());
    progress.setStage("generate");
    const GenerateResult r = generateGreedy(*model, prompt, go, progress);
    const nlohmann::json out = {{"prompt_ids", prompt}, {"ids", r.tokens}, {"stopped_at_eos", r.stopped}};
    ctx.out << out.dump() << "\n";
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "generate",
    "greedy-decode token ids from a checkpoint (KV cache); print JSON ids",
    "Prints {\"prompt_ids\": [...], \"ids\": [new ids], \"stopped_at_eos\": bool}. Without --prompt-ids the\n"
    "prompt is config.json's bos_token_id. Decoding stops at eos_token_id unless --ignore-eos.",
    {
        {"model", "DIR", "Hugging Face checkpoint directory", "", true, false},
        {"prompt-ids", "1,2,3", "prompt token ids", "BOS", false, false},
        {"max-new-tokens", "N", "tokens to generate at most", "32", false, false},
        {"ignore-eos", "", "keep going past eos_token_id", "", false, false},
        {"dtype", "f32|bf16|f16", "compute dtype", "f32", false, false},
        {"device", "cpu|cuda", "device to run on", "cpu", false, false},
    },
    runGenerate});

}  // namespace prominence::cli
