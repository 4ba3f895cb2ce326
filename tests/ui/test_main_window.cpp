// The main window opens offscreen and says who it is.
#include <QLabel>
#include <QtTest>

#include "core/common/version.h"
#include "tests/common/test_support.h"
#include "ui/main_window.h"

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void opensWithNameAndVersion() {
        prominence::ui::MainWindow w;
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
        prominence::ui::MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        auto* panel = w.findChild<QWidget*>(QStringLiteral("runtimePanel"));
        QVERIFY(panel != nullptr);
        bool sawTorch = false;
        for (auto* l : panel->findChildren<QLabel*>())
            if (l->text().startsWith(QStringLiteral("1."))) sawTorch = true;
        QVERIFY2(sawTorch, "runtime panel shows the LibTorch version");
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
