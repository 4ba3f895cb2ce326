// prominence-cli neuron: one MLP neuron read from a model, as the GUI's inspector shows it: its direct
// output effect on the logits, or its activation at every token of a text or of a stored eval item;
// study::runDirectEffect, runTokenActivations and runItemActivations.
#include <ostream>

#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "app/cli/study_call.h"
#include "core/study/neuron_step.h"

namespace prominence::cli {
namespace {

const study::DirectEffectParams kDefaults;

int neuronCommand(const Args& args, Context& ctx) {
    const int layer = static_cast<int>(args.getInt("layer"));
    const int neuron = static_cast<int>(args.getInt("neuron"));
    const int forms = args.flag("effect") + args.has("text") + args.has("run");
    if (forms != 1) throw UsageError("give exactly one of --effect, --text T and --run ID --item I");
    Progress progress(stderrProgress());
    if (args.has("run")) {
        if (!args.has("workspace") || !args.has("item"))
            throw UsageError("--run ID needs --workspace W and --item I");
        study::ItemActivationsParams p;
        p.workspacePath = args.get("workspace");
        p.evalRunId = args.getInt("run");
        p.itemIndex = args.getInt("item");
        p.layer = layer;
        p.neuron = neuron;
        ctx.out << callStudy([&] { return study::runItemActivations(p, progress); }).summary.dump()
                << "\n";
        return 0;
    }
    if (!args.has("model")) throw UsageError("--effect and --text need --model DIR");
    if (args.flag("effect")) {
        study::DirectEffectParams p;
        p.modelDir = args.get("model");
        p.tokenizer = args.get("tokenizer");
        p.layer = layer;
        p.neuron = neuron;
        if (args.has("top")) p.top = static_cast<int>(args.getInt("top"));
        ctx.out << callStudy([&] { return study::runDirectEffect(p, progress); }).summary.dump(2)
                << "\n";
        return 0;
    }
    study::TokenActivationsParams p;
    p.modelDir = args.get("model");
    p.tokenizer = args.get("tokenizer");
    p.text = args.get("text");
    p.addBos = args.flag("add-bos");
    p.layer = layer;
    p.neuron = neuron;
    ctx.out << callStudy([&] { return study::runTokenActivations(p, progress); }).summary.dump()
            << "\n";
    return 0;
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "neuron",
    "inspect one MLP neuron: its direct effect on the logits, or its activation per token",
    "--effect prints the tokens whose logits the neuron's output direction raises and lowers most along\n"
    "the direct path (output weights x final norm weight through the unembedding; the norm's scale is\n"
    "left out) and its effect on the option letters ' A'..' D' as letter scoring tokenises them.\n"
    "--text T prints the ids of T (no special tokens; --add-bos prepends BOS), each decoded, and the\n"
    "activation blocks.L.mlp.post[:, N] at each. --workspace W --run ID --item I does the same for item I\n"
    "of eval run ID, encoded as that run encoded it, with its model.",
    {
        {"model", "DIR", "checkpoint directory (--effect, --text)", "", false, false},
        {"tokenizer", "PATH", "tokenizer directory or tokenizer.json (default: the model directory)", "",
         false, false},
        {"layer", "L", "layer (0-based)", "", true, false},
        {"neuron", "N", "MLP neuron of the layer (0-based)", "", true, false},
        {"effect", "", "print the direct output effect", "", false, false},
        {"top", "K", "tokens listed for each direction", defaultText(kDefaults.top), false, false},
        {"text", "T", "print the activation at each token of T", "", false, false},
        {"add-bos", "", "prepend the tokenizer's BOS token to T", "", false, false},
        {"workspace", "W", "workspace holding the eval run (--run)", "", false, false},
        {"run", "ID", "eval run holding the item", "", false, false},
        {"item", "I", "item index in the run", "", false, false},
    },
    neuronCommand});

}  // namespace prominence::cli
