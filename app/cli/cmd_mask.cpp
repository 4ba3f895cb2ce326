// prominence-cli mask: store a hand-made mask, compare two stored masks, or show one;
// study::runSaveMask, runDiffMasks and runShowMask.
#include <fstream>
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/study_call.h"
#include "core/prune/prune_mask.h"
#include "core/study/mask_step.h"

namespace prominence::cli {
namespace {

workspace::Id parseId(const std::string& flag, const std::string& text) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 18)
        throw UsageError("--" + flag + ": '" + text + "' is not an id");
    return std::stoll(text);
}

nlohmann::json parseJson(const std::string& text, const std::string& source) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw UsageError(source + ": not JSON: " + e.what());
    }
}

int saveForm(const Args& args, Context& ctx) {
    if (!args.has("neurons")) throw UsageError("--save NAME needs --neurons L:N[,L:N...]");
    if (args.has("provenance") && args.has("provenance-json"))
        throw UsageError("give --provenance FILE or --provenance-json TEXT, not both");
    study::SaveMaskParams p;
    p.workspacePath = args.get("workspace");
    p.name = args.get("save");
    try {
        for (const prune::Neuron& n : prune::parseNeuronList(args.get("neurons")))
            p.pruned.push_back({n.layer, n.index});
    } catch (const InvalidArgument& e) {
        throw UsageError(std::string("--neurons: ") + e.what());
    }
    if (args.has("model-id")) p.modelId = parseId("model-id", args.get("model-id"));
    if (args.has("shape")) {
        const std::string s = args.get("shape");
        const std::size_t x = s.find('x');
        const auto number = [&](const std::string& part) {
            if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos ||
                part.size() > 12)
                throw UsageError("--shape: '" + s + "' is not LAYERSxNEURONS (e.g. 4x128)");
            return std::stoll(part);
        };
        if (x == std::string::npos)
            throw UsageError("--shape: '" + s + "' is not LAYERSxNEURONS (e.g. 4x128)");
        p.layers = number(s.substr(0, x));
        p.neurons = number(s.substr(x + 1));
    }
    if (args.has("provenance")) {
        std::ifstream in(args.get("provenance"), std::ios::binary);
        if (!in) throw LoadError(args.get("provenance") + ": cannot open for reading");
        const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        p.provenance = parseJson(text, args.get("provenance"));
    } else if (args.has("provenance-json")) {
        p.provenance = parseJson(args.get("provenance-json"), "--provenance-json");
    }
    const study::SaveMaskResult r = callStudy([&] { return study::runSaveMask(p); });
    ctx.out << r.summary.dump(2) << "\n";
    return 0;
}

int maskCommand(const Args& args, Context& ctx) {
    const int forms = args.has("save") + args.has("diff") + args.has("show");
    if (forms != 1) throw UsageError("give exactly one of --save NAME, --diff A,B and --show ID");
    if (args.has("save")) return saveForm(args, ctx);
    for (const char* flag : {"neurons", "provenance", "provenance-json", "model-id", "shape"})
        if (args.has(flag)) throw UsageError(std::string("--") + flag + " belongs to --save NAME");
    if (args.has("diff")) {
        const std::string d = args.get("diff");
        const std::size_t comma = d.find(',');
        if (comma == std::string::npos) throw UsageError("--diff: expected two mask ids A,B, got '" + d + "'");
        study::DiffMasksParams p;
        p.workspacePath = args.get("workspace");
        p.a = parseId("diff", d.substr(0, comma));
        p.b = parseId("diff", d.substr(comma + 1));
        const study::DiffMasksResult r = callStudy([&] { return study::runDiffMasks(p); });
        ctx.out << r.summary.dump(2) << "\n";
        return 0;
    }
    study::ShowMaskParams p;
    p.workspacePath = args.get("workspace");
    p.mask = args.get("show");
    ctx.out << callStudy([&] { return study::runShowMask(p); }).dump(2) << "\n";
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "mask",
    "store a prune mask made by hand, compare two stored masks, or show one",
    "--save NAME --neurons L:N[,L:N...] stores the listed neurons (0-based layer:neuron) as a mask of\n"
    "W; its model shape comes from --shape LAYERSxNEURONS or from the stored model --model-id ID (both:\n"
    "they must agree). --provenance FILE.json or --provenance-json TEXT is stored with it as given. A name\n"
    "already used, a repeated neuron or one outside the shape is refused.\n"
    "--diff A,B prints per-layer counts of both masks, their overlap, the neurons only in A and only in\n"
    "B, and the Jaccard index. --show ID (or NAME) prints a stored mask with its provenance.",
    {
        {"workspace", "W", "workspace file", "", true, false},
        {"save", "NAME", "store a mask under this name", "", false, false},
        {"neurons", "L:N[,L:N...]", "the mask's neurons (with --save)", "", false, false},
        {"shape", "LxN", "model shape: layers x MLP neurons per layer", "", false, false},
        {"model-id", "ID", "stored model the mask refers to", "", false, false},
        {"provenance", "FILE.json", "provenance JSON to store with the mask", "", false, false},
        {"provenance-json", "TEXT", "provenance JSON given inline", "", false, false},
        {"diff", "A,B", "compare stored masks A and B (ids)", "", false, false},
        {"show", "ID|NAME", "print a stored mask", "", false, false},
    },
    maskCommand});

}  // namespace prominence::cli
