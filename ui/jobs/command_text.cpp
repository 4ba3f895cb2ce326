#include "ui/jobs/command_text.h"

#include "core/study/command_line.h"

namespace prominence::ui {

QStringList toQStringList(const std::vector<std::string>& argv) {
    QStringList out;
    for (const auto& a : argv) out << QString::fromStdString(a);
    return out;
}

std::vector<std::string> toStdVector(const QStringList& argv) {
    std::vector<std::string> out;
    for (const auto& a : argv) out.push_back(a.toStdString());
    return out;
}

QString shellCommand(const QStringList& argv) {
    return argv.isEmpty() ? QString() : QString::fromStdString(study::shellQuote(toStdVector(argv)));
}

}  // namespace prominence::ui
