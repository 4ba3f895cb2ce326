#include "tests/common/test_support.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>

namespace prominence::test {

QString sharedDir() {
    QString dir = qEnvironmentVariable("PROMINENCE_SHARED");
    if (dir.isEmpty()) dir = QStringLiteral(PROMINENCE_DEFAULT_SHARED);
    return QFileInfo(dir).isDir() ? QDir(dir).absolutePath() : QString();
}

QString sharedPath(const QString& relative) {
    const QString root = sharedDir();
    if (root.isEmpty()) return {};
    const QString path = root + QLatin1Char('/') + relative;
    return QFileInfo::exists(path) ? path : QString();
}

QString cliPath() { return qEnvironmentVariable("PROMINENCE_CLI"); }

QString tempDir() {
    static QTemporaryDir dir;
    return dir.path();
}

}  // namespace prominence::test
