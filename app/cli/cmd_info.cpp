// prominence-cli info: the system (LibTorch, threads, BLAS, devices) or a checkpoint's shape.
#include <ostream>

#include "app/cli/command.h"
#include "core/system/runtime.h"

namespace prominence::cli {
namespace {

int runInfo(const Args& args, Context& ctx) {
    if (args.flag("system")) {
        ctx.out << systemReportJson() << "\n";
        return 0;
    }
    throw UsageError("give --system (checkpoint info with --model arrives with the model runtime)");
}

}  // namespace

PROMINENCE_REGISTER_COMMAND(Command{
    "info",
    "describe a checkpoint (--model DIR) or this system (--system) as JSON",
    "--system prints the LibTorch version, thread settings, the BLAS library in use and the devices.",
    {
        {"system", "", "print LibTorch version, threads, BLAS and devices", "", false, false},
    },
    runInfo});

}  // namespace prominence::cli
