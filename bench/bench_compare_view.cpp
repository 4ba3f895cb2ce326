// The comparison view's time to first paint and to its paired differences, on a real stored comparison:
//   bench_compare_view WORKSPACE [COMPARE_RUN_ID]
// (default: the workspace's first comparison; e.g. the Shortcut Lab's workspace from `prominence-cli demo`).
// First paint = the page constructed, the stored table read on the io pool, the bars drawn and the page
// rendered once; the paired differences read every eval run's items in a second job. Prints milliseconds.
#include <QApplication>
#include <QElapsedTimer>
#include <QPixmap>
#include <QSignalSpy>

#include <cstdio>

#include "core/workspace/workspace.h"
#include "ui/main_window.h"
#include "ui/views/comparison_page.h"

using namespace prominence;

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? QByteArray("offscreen") : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_compare_view WORKSPACE [COMPARE_RUN_ID]\n");
        return 2;
    }
    const QString path = QString::fromLocal8Bit(argv[1]);
    qint64 runId = argc > 2 ? QString::fromLocal8Bit(argv[2]).toLongLong() : 0;
    try {
        auto ws = workspace::Workspace::open(path.toStdString());
        if (runId == 0) {
            const auto cs = ws.comparisons();
            if (cs.empty()) {
                std::fprintf(stderr, "bench_compare_view: %s stores no comparison\n", argv[1]);
                return 1;
            }
            runId = cs.front().runId;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_compare_view: %s\n", e.what());
        return 1;
    }
    ui::MainWindow w;
    w.setConfirmClose(false);
    w.setErrorDialogs(false);
    QSignalSpy loaded(&w, &ui::MainWindow::workspaceLoaded);
    w.openWorkspace(path);
    if (!loaded.wait(30000)) {
        std::fprintf(stderr, "bench_compare_view: the workspace did not open: %s\n", qPrintable(w.lastError()));
        return 1;
    }
    for (int round = 0; round < 3; ++round) {
        QElapsedTimer clock;
        clock.start();
        ui::ComparisonPage page(&w, runId);
        page.resize(1400, 900);
        QSignalSpy shown(&page, &ui::ComparisonPage::tableShown);
        QSignalSpy ready(&page, &ui::ComparisonPage::ready);
        if (!shown.wait(30000)) {
            std::fprintf(stderr, "bench_compare_view: %s\n", qPrintable(page.errorText()));
            return 1;
        }
        const QPixmap first = page.grab();  // renders every widget once, the chart included
        const double firstMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
        if (!page.pairedLoaded() && !ready.wait(120000)) return 1;
        const double readyMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
        std::printf("round %d: first paint %.1f ms (%dx%d), paired differences %.1f ms, %zu cells, %zu differences\n", round,
                    firstMs, first.width(), first.height(), readyMs, page.data()->cells.size(), page.data()->differences.size());
    }
    return 0;
}
