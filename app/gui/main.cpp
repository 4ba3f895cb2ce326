// prominence: the desktop application. `prominence [W.prominence]` opens a workspace; the screenshot
// mode (`--workspace W --open KIND:ID --screenshot OUT.png [--size WxH]`) renders a view offscreen,
// writes the PNG and exits, for the docs and the tests.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QScreen>
#include <QSettings>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/common/error.h"
#include "core/common/version.h"
#include "core/system/runtime.h"
#include "ui/forms/step_form.h"
#include "ui/main_window.h"
#include "ui/views/heatmap_page.h"

namespace {

bool hasArg(int argc, char** argv, const char* flag) {
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], flag) == 0) return true;
    return false;
}

int fail(const QString& message) {
    std::fprintf(stderr, "prominence: %s\n", message.toLocal8Bit().constData());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    const bool screenshot = hasArg(argc, argv, "--screenshot");
    // Screenshots need no display: render offscreen unless the caller chose a platform.
    if (screenshot && std::getenv("QT_QPA_PLATFORM") == nullptr) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Prominence"));
    QApplication::setApplicationVersion(QString::fromUtf8(prominence::kVersion));
    QApplication::setOrganizationName(QStringLiteral("Prominence"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Prominence: find and prune prominent but detrimental neurons."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("workspace"), QStringLiteral("A .prominence workspace to open."), QStringLiteral("[W.prominence]"));
    const QCommandLineOption workspaceOpt(QStringLiteral("workspace"), QStringLiteral("Workspace to open."), QStringLiteral("W"));
    const QCommandLineOption openOpt(QStringLiteral("open"),
                                     QStringLiteral("Show a stored object: run, selection, scores, mask, comparison or export, "
                                                    "with its workspace id (e.g. run:3)."),
                                     QStringLiteral("KIND:ID"));
    const QCommandLineOption formOpt(QStringLiteral("form"),
                                     QStringLiteral("Open a step's form: add-model, add-benchmark, eval, select, attribute, "
                                                    "prune, finetune, compare, export, pipeline, demo."),
                                     QStringLiteral("NAME"));
    const QCommandLineOption setOpt(QStringLiteral("set"), QStringLiteral("With --form: set a field (repeatable), e.g. --set shots=5."),
                                    QStringLiteral("KEY=VALUE"));
    const QCommandLineOption runOpt(QStringLiteral("run"), QStringLiteral("With --form: press Run (the job starts)."));
    const QCommandLineOption shotOpt(QStringLiteral("screenshot"),
                                     QStringLiteral("Render offscreen, wait until the view has loaded, write the PNG, exit."),
                                     QStringLiteral("OUT.png"));
    const QCommandLineOption sizeOpt(QStringLiteral("size"), QStringLiteral("Window size for --screenshot (default 1400x900)."),
                                     QStringLiteral("WxH"), QStringLiteral("1400x900"));
    const QCommandLineOption delayOpt(QStringLiteral("delay"),
                                      QStringLiteral("Milliseconds to wait after the view is ready (e.g. to show a running job)."),
                                      QStringLiteral("MS"), QStringLiteral("0"));
    const QCommandLineOption heatmapOpt(
        QStringLiteral("heatmap"),
        QStringLiteral("With --open of an attribution run: the heatmap's state, comma-separated steps applied in order: "
                       "tab=top|mask|threshold|neuron, sorted, edit, inspect=L:N, mask=ID, diff=ID, policy=NAME:VALUE[:LAYERS]."),
        QStringLiteral("STATE"));
    parser.addOptions({workspaceOpt, openOpt, formOpt, setOpt, runOpt, shotOpt, sizeOpt, delayOpt, heatmapOpt});
    parser.process(app);

    QString workspace = parser.value(workspaceOpt);
    if (workspace.isEmpty() && !parser.positionalArguments().isEmpty()) workspace = parser.positionalArguments().first();
    prominence::ui::ObjectRef ref;
    if (parser.isSet(openOpt)) {
        QString error;
        ref = prominence::ui::ObjectRef::parse(parser.value(openOpt), &error);
        if (!ref.valid()) return fail(error);
        if (workspace.isEmpty()) return fail(QStringLiteral("--open needs a workspace (--workspace W)"));
    }
    QSize size(1400, 900);
    if (screenshot) {
        const QStringList wh = parser.value(sizeOpt).split(QLatin1Char('x'));
        bool okW = false, okH = false;
        if (wh.size() == 2) size = QSize(wh[0].toInt(&okW), wh[1].toInt(&okH));
        if (!okW || !okH || size.width() < 200 || size.height() < 150)
            return fail(QStringLiteral("--size expects WxH (at least 200x150), got '%1'").arg(parser.value(sizeOpt)));
    }
    // Screenshots must not depend on (or change) the user's remembered layout and form values.
    QTemporaryDir settingsDir;
    if (screenshot) {
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir.path());
    }

    prominence::applyThreadSettings({});
    prominence::ui::MainWindow window;
    if (screenshot) {
        window.setErrorDialogs(false);
        window.setConfirmClose(false);
        window.resize(size);
    }
    int exitCode = 0;
    const QString out = parser.value(shotOpt);
    const int delay = parser.value(delayOpt).toInt();
    auto capture = [&] {
        QTimer::singleShot(std::max(delay, 150), &window, [&] {
            const QPixmap pixmap = window.grab();
            if (!pixmap.save(out)) {
                exitCode = fail(QStringLiteral("cannot write %1").arg(out));
            }
            window.jobs()->cancelAll();
            QApplication::exit(exitCode);
        });
    };
    auto showTarget = [&] {
        if (parser.isSet(formOpt)) {
            prominence::ui::StepForm* form = window.openForm(parser.value(formOpt));
            if (!form) {
                exitCode = fail(QStringLiteral("--form: no form named '%1'").arg(parser.value(formOpt)));
                QApplication::exit(exitCode);
                return;
            }
            for (const QString& kv : parser.values(setOpt)) {
                const int eq = kv.indexOf(QLatin1Char('='));
                try {
                    if (eq <= 0) throw prominence::InvalidArgument("--set expects KEY=VALUE, got '" + kv.toStdString() + "'");
                    const QString key = kv.left(eq), text = kv.mid(eq + 1);
                    // Pickers take ids, multi-pickers comma-separated ids; everything else its text.
                    const QVariant current = form->value(key);
                    if (current.typeId() == QMetaType::QVariantList) {
                        QVariantList ids;
                        for (const QString& id : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) ids << id.toLongLong();
                        form->setValue(key, ids);
                    } else {
                        form->setValue(key, text);
                    }
                } catch (const std::exception& e) {
                    exitCode = fail(QString::fromUtf8(e.what()));
                    QApplication::exit(exitCode);
                    return;
                }
            }
            if (parser.isSet(runOpt) && form->run() == 0) {
                exitCode = fail(QStringLiteral("--run: %1").arg(form->statusText()));
                QApplication::exit(exitCode);
                return;
            }
            if (screenshot) capture();
            return;
        }
        if (ref.valid()) {
            if (!window.openObject(ref)) {
                exitCode = fail(window.lastError());
                QApplication::exit(exitCode);
            }
            return;
        }
        if (screenshot) capture();
    };
    QObject::connect(&window, &prominence::ui::MainWindow::viewReady, &window, [&](const prominence::ui::ObjectRef& r) {
        if (r != ref) return;
        if (parser.isSet(heatmapOpt)) {
            prominence::ui::HeatmapPage* page = nullptr;
            for (auto* p : window.findChildren<prominence::ui::HeatmapPage*>())
                if (p->isVisibleTo(&window)) page = p;
            if (!page) {
                exitCode = fail(QStringLiteral("--heatmap: %1 opened no heatmap").arg(ref.key()));
                QApplication::exit(exitCode);
                return;
            }
            if (screenshot) QObject::connect(page, &prominence::ui::HeatmapPage::stateReady, &window, capture);
            const QString error = page->applyState(parser.value(heatmapOpt));
            if (!error.isEmpty()) {
                exitCode = fail(QStringLiteral("--heatmap: ") + error);
                QApplication::exit(exitCode);
            }
            return;
        }
        if (screenshot) capture();
    });
    QObject::connect(&window, &prominence::ui::MainWindow::workspaceFailed, &window, [&](const QString&, const QString& e) {
        if (!screenshot && !ref.valid()) return;  // the dialog says it; the window stays usable
        exitCode = fail(e);
        QApplication::exit(exitCode);
    });
    bool first = true;
    QObject::connect(&window, &prominence::ui::MainWindow::workspaceLoaded, &window, [&](const QString&) {
        if (!first) return;
        first = false;
        showTarget();
    });
    window.show();
    if (!workspace.isEmpty()) window.openWorkspace(workspace);
    else QTimer::singleShot(0, &window, showTarget);
    const int code = QApplication::exec();
    return exitCode != 0 ? exitCode : code;
}
