#include "tests/common/test_support.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
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

CliResult runCli(const QStringList& args, int timeoutMs, const QByteArray& input) {
    QProcess p;
    p.start(cliPath(), args);
    if (!p.waitForStarted(60000)) qFatal("prominence-cli did not start (PROMINENCE_CLI=%s)", qPrintable(cliPath()));
    if (!input.isEmpty()) p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        qFatal("prominence-cli %s did not finish within %d ms", qPrintable(args.join(QLatin1Char(' '))), timeoutMs);
    }
    CliResult r;
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

}  // namespace prominence::test
