// Test helper for test_workspace_crash: starts an eval run, commits items 0-4, then writes items
// 5-9 inside a transaction it never commits, prints "ready <run id>" and waits to be killed.
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>

#include "core/workspace/workspace.h"

using namespace prominence::workspace;

namespace {

ItemResult item(std::int64_t i) {
    ItemResult it;
    it.index = i;
    it.itemId = "q" + std::to_string(i);
    it.prompt = "Question " + std::to_string(i) + "?\nAnswer:";
    it.continuations = {" A", " B"};
    it.scores = {-0.5 - static_cast<double>(i), -1.5};
    it.probs = {0.7, 0.3};
    it.pred = 0;
    it.gold = i % 2;
    it.correct = it.pred == it.gold;
    it.pCorrect = it.probs[static_cast<std::size_t>(it.gold)];
    it.margin = 0.4;
    return it;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: workspace_crash_writer WORKSPACE\n");
        return 2;
    }
    try {
        Workspace ws = Workspace::openOrCreate(argv[1]);
        RunStart start;
        start.kind = "eval";
        start.params = {{"scoring", "loglik"}};
        const Id run = ws.beginRun(start);
        std::vector<ItemResult> done;
        for (int i = 0; i < 5; ++i) done.push_back(item(i));
        ws.addItems(run, done);
        Transaction open(ws.database(), "writing items that the kill will cut off");
        std::vector<ItemResult> pending;
        for (int i = 5; i < 10; ++i) pending.push_back(item(i));
        ws.addItems(run, pending);
        std::printf("ready %lld\n", static_cast<long long>(run));
        std::fflush(stdout);
        for (;;) pause();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "workspace_crash_writer: %s\n", e.what());
        return 1;
    }
}
