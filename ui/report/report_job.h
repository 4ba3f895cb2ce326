#pragma once
// Writing a report: the one call the CLI's `report` (and `demo --report`) and the GUI's File ▸ Export
// report… make. core fills the report model (core/study/report_model.h), report_pdf draws it into a
// temporary file beside the target, which is renamed into place only when complete, and the export is
// recorded in the workspace's `exports` table. Needs a QApplication (ensureApplication gives one to a
// process without a window).
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/jobs/progress.h"
#include "core/study/report_model.h"
#include "core/study/step.h"
#include "ui/report/report_pdf.h"

class QApplication;

namespace prominence::ui::report {

struct ReportJobParams {
    study::ReportParams report;
    std::string outputPath;  // required: the PDF to write
    Paper paper = Paper::A4;
    bool record = true;  // add a row to the workspace's exports table

    void validate() const;  // ParamsError
};

struct ReportJobResult {
    std::string path;  // absolute
    int pages = 0;
    workspace::Id studyRunId = 0;
    workspace::Id exportId = 0;  // 0: not recorded (see summary's "note")
    double seconds = 0.0;
    // {"output", "pages", "paper", "study_run", "study_kind", "title", "export_id", "seconds",
    //  "contents": [{"section", "page"}], "headline": ...} — what `report` prints.
    nlohmann::ordered_json summary;
};

// ParamsError: bad parameters, an output that cannot be written (missing or unwritable directory, a
// directory, the workspace itself), the run errors of buildReportModel. IoError when writing fails;
// no file is left behind at the output path then.
ReportJobResult runReport(const ReportJobParams& params, Progress& progress = Progress::none(),
                          const study::Log& log = {});

// The output checks runReport makes before any work (for callers that run a long study first, as
// `demo --report` does): ParamsError naming the path.
void checkOutput(const ReportJobParams& params);

// {"prominence-cli", "report", "--workspace", ...}: the command that writes the same report.
std::vector<std::string> commandLine(const ReportJobParams& params);

Paper parsePaper(const std::string& name);  // a4 | letter; ParamsError otherwise
std::string paperName(Paper paper);

// The application a report needs, for a process that has none (the CLI): while it lives, a
// QApplication on the offscreen platform when no display is set (QT_QPA_PLATFORM is left alone when
// the user set it); nothing when an application exists already.
class ApplicationScope {
public:
    ApplicationScope();
    ~ApplicationScope();
    ApplicationScope(const ApplicationScope&) = delete;
    ApplicationScope& operator=(const ApplicationScope&) = delete;

private:
    std::unique_ptr<QApplication> app_;
};

}  // namespace prominence::ui::report
