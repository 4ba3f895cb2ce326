// prominence: the desktop application.
#include <QApplication>

#include "core/common/version.h"
#include "core/system/runtime.h"
#include "ui/main_window.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Prominence"));
    QApplication::setApplicationVersion(QString::fromUtf8(prominence::kVersion));
    QApplication::setOrganizationName(QStringLiteral("Prominence"));
    prominence::applyThreadSettings({});
    prominence::ui::MainWindow window;
    window.show();
    return QApplication::exec();
}
