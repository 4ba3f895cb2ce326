#pragma once
// "Copy as command": the argv of a job rendered as one POSIX shell line, quoted by core/study's
// shellQuote so the GUI and the CLI documentation agree on what the line looks like.
#include <QString>
#include <QStringList>

#include <string>
#include <vector>

namespace prominence::ui {

QStringList toQStringList(const std::vector<std::string>& argv);
std::vector<std::string> toStdVector(const QStringList& argv);
QString shellCommand(const QStringList& argv);

}  // namespace prominence::ui
