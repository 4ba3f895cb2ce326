#pragma once
// Helpers every test shares: where ../shared is, and skipping cleanly when it is not there.
#include <QString>
#include <QtTest>

namespace prominence::test {

// The shared/ folder: $PROMINENCE_SHARED, else the one beside the checkout. Empty if neither exists.
QString sharedDir();
// sharedDir() + "/" + relative, or empty when that path does not exist.
QString sharedPath(const QString& relative);
// Path of the prominence-cli executable under test ($PROMINENCE_CLI, set by CTest).
QString cliPath();
// A fresh temporary directory path for this test process (removed at exit).
QString tempDir();

struct CliResult {
    int code = -1;
    QByteArray out;  // stdout as bytes (JSON, JSONL)
    QString err;     // stderr as text
    QString outText() const { return QString::fromUtf8(out); }
};
// Runs prominence-cli with `args` (stdin fed from `input`), waiting up to `timeoutMs`; a run that
// does not finish in time is killed and fails the test process (qFatal).
CliResult runCli(const QStringList& args, int timeoutMs = 600000, const QByteArray& input = {});

}  // namespace prominence::test

// Skips the current test function, with the reason, when a shared fixture is missing.
#define PROMINENCE_REQUIRE_SHARED(var, relative)                                                           \
    const QString var = ::prominence::test::sharedPath(QStringLiteral(relative));                         \
    if (var.isEmpty())                                                                                     \
        QSKIP(qPrintable(QStringLiteral("fixture %1 not found: set PROMINENCE_SHARED to the shared/ folder") \
                             .arg(QStringLiteral(relative))))
