// The CLI's contract at its edges: --version, --help, and clear errors with non-zero exits.
#include <QProcess>
#include <QFile>
#include <QFileInfo>
#include <algorithm>

#include <nlohmann/json.hpp>

#include <QtTest>

#include "core/common/version.h"
#include "tests/common/test_support.h"

class TestCli : public QObject {
    Q_OBJECT

    struct Result {
        int code;
        QString out;
        QString err;
    };

    Result run(const QStringList& args) {
        const prominence::test::CliResult r = prominence::test::runCli(args, 120000);
        return {r.code, r.outText(), r.err};
    }

private slots:
    void initTestCase() { QVERIFY2(!prominence::test::cliPath().isEmpty(), "PROMINENCE_CLI not set (run through ctest)"); }

    // demo's options are checked before anything is built; a bad recipe file names itself and the key.
    void demoRefusesBadOptions() {
        const QString dir = prominence::test::tempDir();
        const QString recipe = dir + QStringLiteral("/recipe.json");
        {
            QFile f(recipe);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("{\"pretrain_stepz\": 3}");
        }
        struct Case {
            QStringList args;
            int code;
            QString message;
        };
        const QString cache = dir + QStringLiteral("/cache");
        const std::vector<Case> cases = {
            {{QStringLiteral("--finetune-data"), QStringLiteral("some")}, 2, QStringLiteral("tagged or untagged")},
            {{QStringLiteral("--lab"), QStringLiteral("some")}, 2, QStringLiteral("pair or reserved")},
            {{QStringLiteral("--exclude-layers"), QStringLiteral("a")}, 2, QStringLiteral("--exclude-layers")},
            {{QStringLiteral("--seeds"), QStringLiteral("0")}, 2, QStringLiteral("--seeds")},
            {{QStringLiteral("--prune-percent"), QStringLiteral("0")}, 2, QStringLiteral("--prune-percent")},
            {{QStringLiteral("--recipe"), recipe}, 1, QStringLiteral("pretrain_stepz")},
            {{QStringLiteral("--recipe"), dir + QStringLiteral("/missing.json")}, 1, QStringLiteral("missing.json")},
        };
        for (const Case& c : cases) {
            const Result r = run(QStringList{QStringLiteral("demo"), QStringLiteral("--cache"), cache} + c.args);
            QVERIFY2(r.code == c.code, qPrintable(c.args.join(QLatin1Char(' ')) + QStringLiteral(": ") + r.err));
            QVERIFY2(r.err.contains(c.message), qPrintable(r.err));
            QVERIFY2(r.err.contains(c.args.last()) || c.code == 2, qPrintable(r.err));
        }
        QVERIFY(!QFileInfo::exists(cache));  // nothing was built
    }

    // --lab reserved builds the reserved-neuron design (here on the miniature's sizes), and a --recipe file
    // overrides fields on top of the chosen design; the reserved neurons are recorded with the build.
    void demoBuildsTheReservedNeuronDesign() {
        const QString dir = prominence::test::tempDir();
        const QString recipe = dir + QStringLiteral("/recipe.json");
        {
            QFile f(recipe);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("{\"pretrain_steps\": 3}");
        }
        const Result r = run({QStringLiteral("demo"), QStringLiteral("--tiny"), QStringLiteral("--lab"), QStringLiteral("reserved"),
                              QStringLiteral("--recipe"), recipe, QStringLiteral("--build-only"), QStringLiteral("--cache"),
                              dir + QStringLiteral("/cache")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        const nlohmann::json& recipeJson = j["lab"]["recipe"];
        QCOMPARE(recipeJson["cue"].get<std::string>(), std::string("single"));
        QCOMPARE(recipeJson["shortcut_neurons"].get<int>(), 8);
        QCOMPARE(recipeJson["shortcut_attention"].get<std::string>(), std::string("routing-first"));
        QCOMPARE(recipeJson["pretrain"]["max_steps"].get<int>(), 3);  // the file's override on top
        const std::string neurons = j["lab"]["shortcut_neurons"].get<std::string>();
        QCOMPARE(static_cast<int>(std::count(neurons.begin(), neurons.end(), ',')) + 1, 8 * recipeJson["layers"].get<int>());
        QVERIFY(j["behaviour"]["source_conflict"].contains("cue_following"));
    }

    void versionPrintsNameAndVersion() {
        const Result r = run({QStringLiteral("--version")});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.trimmed(), QStringLiteral("prominence-cli %1").arg(QString::fromUtf8(prominence::kVersion)));
    }

    void helpListsCommands() {
        const Result r = run({QStringLiteral("--help")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains(QStringLiteral("usage: prominence-cli")));
        QVERIFY2(r.out.contains(QStringLiteral("\n  info ")), qPrintable(r.out));
    }

    void eachCommandHasHelp() {
        const Result list = run({QStringLiteral("--help")});
        const QStringList lines = list.out.section(QStringLiteral("commands:\n"), 1).split(QLatin1Char('\n'));
        int seen = 0;
        for (const QString& line : lines) {
            if (!line.startsWith(QStringLiteral("  "))) break;
            const QString name = line.trimmed().section(QLatin1Char(' '), 0, 0);
            const Result r = run({name, QStringLiteral("--help")});
            QCOMPARE(r.code, 0);
            QVERIFY2(r.out.startsWith(QStringLiteral("usage: prominence-cli ") + name), qPrintable(r.out));
            ++seen;
        }
        QVERIFY(seen >= 1);
    }

    void unknownCommandIsUsageError() {
        const Result r = run({QStringLiteral("frobnicate")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QStringLiteral("unknown command 'frobnicate'")));
        QVERIFY(r.out.isEmpty());
    }

    void unknownFlagIsUsageError() {
        const Result r = run({QStringLiteral("info"), QStringLiteral("--bogus")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QStringLiteral("unknown option '--bogus' for 'info'")), qPrintable(r.err));
    }

    void missingValueIsUsageError() {
        const Result r = run({QStringLiteral("info"), QStringLiteral("--system"), QStringLiteral("--threads")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QStringLiteral("needs a value")), qPrintable(r.err));
    }

    void badThreadCountIsUsageError() {
        const Result r = run({QStringLiteral("info"), QStringLiteral("--system"), QStringLiteral("--threads"), QStringLiteral("zero")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QStringLiteral("expects an integer, got 'zero'")), qPrintable(r.err));
    }

    void systemInfoIsJson() {
        const Result r = run({QStringLiteral("info"), QStringLiteral("--system"), QStringLiteral("--threads"), QStringLiteral("1"),
                              QStringLiteral("--blas-threads"), QStringLiteral("2")});
        QCOMPARE(r.code, 0);
        QJsonParseError err{};
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8(), &err).object();
        QCOMPARE(err.error, QJsonParseError::NoError);
        QCOMPARE(o.value(QStringLiteral("prominence_version")).toString(), QString::fromUtf8(prominence::kVersion));
        QVERIFY(o.value(QStringLiteral("libtorch_version")).toString().startsWith(QStringLiteral("1.")));
        const QJsonObject threads = o.value(QStringLiteral("threads")).toObject();
        QCOMPARE(threads.value(QStringLiteral("intra_op")).toInt(), 1);
        const QJsonObject blas = o.value(QStringLiteral("blas")).toObject();
        if (blas.value(QStringLiteral("name")).toString() == QStringLiteral("OpenBLAS"))
            QCOMPARE(threads.value(QStringLiteral("blas")).toInt(), 2);
        QVERIFY(o.value(QStringLiteral("devices")).toArray().contains(QStringLiteral("cpu")));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
