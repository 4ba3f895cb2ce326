// The main window's frame: who it is, the runtime panel, new / open / recent / drop, remembered layout
// and form values, and menus that reach every step. No model needed.
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "core/common/version.h"
#include "tests/common/test_support.h"
#include "ui/forms/step_form.h"
#include "ui/forms/step_forms.h"
#include "ui/main_window.h"

using prominence::ui::MainWindow;

class TestMainWindow : public QObject {
    Q_OBJECT
    QTemporaryDir settings_;

private slots:
    void initTestCase() {
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settings_.path());
    }

    void opensWithNameAndVersion() {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const QString expected = QStringLiteral("Prominence %1").arg(QString::fromUtf8(prominence::kVersion));
        QCOMPARE(w.windowTitle(), expected);
        auto* title = w.findChild<QLabel*>(QStringLiteral("titleLabel"));
        QVERIFY(title != nullptr);
        QCOMPARE(title->text(), expected);
        QVERIFY(title->isVisible());
    }

    void showsRuntimePanel() {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        auto* panel = w.findChild<QWidget*>(QStringLiteral("runtimePanel"));
        QVERIFY(panel != nullptr);
        bool sawTorch = false;
        for (auto* l : panel->findChildren<QLabel*>())
            if (l->text().startsWith(QStringLiteral("1."))) sawTorch = true;
        QVERIFY2(sawTorch, "runtime panel shows the LibTorch version");
    }

    // File ▸ New makes an empty workspace and opens it; the title shows the file; it becomes recent.
    void newWorkspaceOpensAndBecomesRecent() {
        const QString path = prominence::test::tempDir() + QStringLiteral("/fresh.prominence");
        MainWindow w;
        w.setConfirmClose(false);
        w.show();
        QSignalSpy loaded(&w, &MainWindow::workspaceLoaded);
        w.newWorkspace(path);
        QVERIFY(loaded.wait(10000));
        QVERIFY(QFile::exists(path));
        QCOMPARE(w.workspacePath(), path);
        QVERIFY(w.windowTitle().startsWith(QStringLiteral("fresh.prominence")));
        QCOMPARE(w.recentFiles().value(0), QFileInfo(path).absoluteFilePath());
        // Creating over an existing file is refused with the core's message; the window keeps its workspace.
        QSignalSpy errors(&w, &MainWindow::errorShown);
        w.setErrorDialogs(false);
        w.newWorkspace(path);
        QVERIFY(errors.wait(10000));
        QVERIFY(w.lastError().contains(QStringLiteral("fresh.prominence")));
        QCOMPARE(w.workspacePath(), path);
        w.closeWorkspace();
        QVERIFY(w.workspacePath().isEmpty());
        QCOMPARE(w.windowTitle(), QStringLiteral("Prominence %1").arg(QString::fromUtf8(prominence::kVersion)));
    }

    // Dropping a .prominence file opens it; anything else is not accepted.
    void droppedWorkspaceOpens() {
        const QString path = prominence::test::tempDir() + QStringLiteral("/dropped.prominence");
        MainWindow w;
        w.setConfirmClose(false);
        w.show();
        {
            QSignalSpy loaded(&w, &MainWindow::workspaceLoaded);
            w.newWorkspace(path);
            QVERIFY(loaded.wait(10000));
        }
        w.closeWorkspace();
        QMimeData other;
        other.setUrls({QUrl::fromLocalFile(QStringLiteral("/etc/hostname"))});
        QDragEnterEvent refused(QPoint(10, 10), Qt::CopyAction, &other, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &refused);
        QVERIFY(!refused.isAccepted());
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(path)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &enter);
        QVERIFY(enter.isAccepted());
        QSignalSpy loaded(&w, &MainWindow::workspaceLoaded);
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &drop);
        QVERIFY(loaded.wait(10000));
        QCOMPARE(w.workspacePath(), path);
    }

    // Window geometry, dock layout and the last-used form values survive a restart.
    void layoutAndFormValuesPersist() {
        const QString path = prominence::test::tempDir() + QStringLiteral("/persist.prominence");
        {
            MainWindow w;
            w.setConfirmClose(false);
            w.setErrorDialogs(false);
            w.show();
            w.resize(1111, 777);
            QSignalSpy loaded(&w, &MainWindow::workspaceLoaded);
            w.newWorkspace(path);
            QVERIFY(loaded.wait(10000));
            prominence::ui::StepForm* form = w.openForm(QStringLiteral("eval"));
            form->setValue(QStringLiteral("model"), QStringLiteral("/nowhere/model"));
            form->setValue(QStringLiteral("benchmark"), QStringLiteral("/nowhere/bench.jsonl"));
            form->setValue(QStringLiteral("shots"), 3);
            form->setValue(QStringLiteral("scoring"), QStringLiteral("letter"));
            // The values are remembered when the job starts, whatever becomes of it (this one fails).
            const int id = form->run();
            QVERIFY(id != 0);
            QVERIFY(w.jobs()->waitForAll(20000));
            QCOMPARE(w.jobs()->job(id)->state, prominence::ui::JobState::Failed);
            w.close();
        }
        {
            MainWindow w;
            w.setConfirmClose(false);
            w.show();
            QCOMPARE(w.size(), QSize(1111, 777));
            prominence::ui::StepForm* form = w.openForm(QStringLiteral("eval"));
            QCOMPARE(form->value(QStringLiteral("shots")).toInt(), 3);
            QCOMPARE(form->value(QStringLiteral("scoring")).toString(), QStringLiteral("letter"));
            QCOMPARE(form->value(QStringLiteral("model")).toString(), QStringLiteral("/nowhere/model"));
            QCOMPARE(w.recentFiles().value(0), QFileInfo(path).absoluteFilePath());
        }
    }

    // Every step has a menu entry and a form whose defaults are the study layer's.
    void everyStepHasAFormWithTheCliDefaults() {
        QSettings().remove(QStringLiteral("forms"));  // no remembered values: the defaults show
        MainWindow w;
        w.setConfirmClose(false);
        w.show();
        for (const auto& info : prominence::ui::stepForms()) {
            QVERIFY2(w.findChild<QAction*>(QStringLiteral("stepAction_") + info.name), qPrintable(info.name));
            prominence::ui::StepForm* form = w.openForm(info.name);
            QVERIFY2(form, qPrintable(info.name));
            QCOMPARE(form->name(), info.name);
            QVERIFY(!form->toolTip().isNull() || !form->title().isEmpty());
        }
        prominence::ui::StepForm* attr = w.openForm(QStringLiteral("attribute"));
        QCOMPARE(attr->value(QStringLiteral("steps")).toInt(), 20);
        QCOMPARE(attr->value(QStringLiteral("rule")).toString(), QStringLiteral("gausslegendre"));
        QCOMPARE(attr->value(QStringLiteral("objective")).toString(), QStringLiteral("logprob"));
        QCOMPARE(attr->value(QStringLiteral("freq-threshold")).toDouble(), 0.2);
        prominence::ui::StepForm* ev = w.openForm(QStringLiteral("eval"));
        QCOMPARE(ev->value(QStringLiteral("scoring")).toString(), QStringLiteral("loglik"));
        QCOMPARE(ev->value(QStringLiteral("seed")).toInt(), 1234);
        QCOMPARE(ev->value(QStringLiteral("batch-size")).toInt(), 32);
        QVERIFY(!w.openForm(QStringLiteral("no-such-step")));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
