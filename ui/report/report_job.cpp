#include "ui/report/report_job.h"

#include <unistd.h>

#include <QApplication>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "core/common/error.h"
#include "core/study/command_line.h"
#include "core/workspace/workspace.h"

namespace prominence::ui::report {

namespace fs = std::filesystem;
using study::ParamsError;

namespace {

// The checks a write needs before any work: the directory exists and takes files, the target is not
// a directory and not the workspace itself.
fs::path checkedOutput(const ReportJobParams& p) {
    const fs::path out = fs::absolute(p.outputPath).lexically_normal();
    const fs::path dir = out.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw ParamsError("report: cannot write " + out.string() + ": the directory " + dir.string() + " does not exist");
    if (fs::is_directory(out, ec)) throw ParamsError("report: " + out.string() + " is a directory; give a file name such as report.pdf");
    if (::access(dir.c_str(), W_OK) != 0)
        throw ParamsError("report: cannot write " + out.string() + ": the directory " + dir.string() + " is not writable");
    if (fs::exists(out, ec) && fs::exists(p.report.workspacePath, ec) && fs::equivalent(out, p.report.workspacePath, ec))
        throw ParamsError("report: the output " + out.string() + " is the workspace itself");
    return out;
}

}  // namespace

void ReportJobParams::validate() const {
    report.validate();
    if (outputPath.empty()) throw ParamsError("report: --output is required");
}

void checkOutput(const ReportJobParams& p) {
    if (p.outputPath.empty()) throw ParamsError("report: --output is required");
    checkedOutput(p);
}

Paper parsePaper(const std::string& name) {
    if (name == "a4" || name == "A4") return Paper::A4;
    if (name == "letter" || name == "Letter") return Paper::Letter;
    throw ParamsError("report: --paper " + name + ": expected a4 or letter");
}

std::string paperName(Paper paper) {
    return paper == Paper::Letter ? "letter" : "a4";
}

std::vector<std::string> commandLine(const ReportJobParams& p) {
    const study::ReportParams d;
    std::vector<std::string> a = {"prominence-cli", "report", "--workspace", p.report.workspacePath};
    if (p.report.comparisonId) {
        a.insert(a.end(), {"--comparison", std::to_string(*p.report.comparisonId)});
    } else if (p.report.runId) {
        a.insert(a.end(), {"--run", std::to_string(*p.report.runId)});
    }
    a.insert(a.end(), {"--output", p.outputPath});
    if (p.paper != Paper::A4) a.insert(a.end(), {"--paper", paperName(p.paper)});
    if (p.report.top != d.top) a.insert(a.end(), {"--top", std::to_string(p.report.top)});
    if (!p.report.directEffects) a.push_back("--no-effects");
    return a;
}

ReportJobResult runReport(const ReportJobParams& p, Progress& progress, const study::Log& log) {
    const auto start = std::chrono::steady_clock::now();
    p.validate();
    const fs::path out = checkedOutput(p);
    const study::ReportModel model = study::buildReportModel(p.report, progress, log);
    progress.check();

    progress.setStage("report: drawing " + out.filename().string());
    const fs::path tmp = out.parent_path() / ("." + out.filename().string() + ".tmp-" + std::to_string(::getpid()));
    PdfInfo info;
    try {
        PdfOptions o;
        o.paper = p.paper;
        info = writeReportPdf(model, tmp.string(), o);
        std::error_code ec;
        if (fs::file_size(tmp, ec) == 0 || ec) throw StorageError("report: " + tmp.string() + " was not written");
        if (std::rename(tmp.c_str(), out.c_str()) != 0)
            throw StorageError("report: cannot rename " + tmp.string() + " to " + out.string());
    } catch (...) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw;
    }

    ReportJobResult r;
    r.path = out.string();
    r.pages = info.pages;
    r.studyRunId = model.studyRunId;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    nlohmann::ordered_json contents = nlohmann::ordered_json::array();
    for (const auto& [section, page] : info.contents) contents.push_back({{"section", section}, {"page", page}});
    r.summary = {{"output", r.path},         {"pages", r.pages},         {"paper", paperName(p.paper)},
                 {"study_run", model.studyRunId}, {"study_kind", model.studyKind}, {"title", model.title},
                 {"top", p.report.top}};
    if (p.record) {
        try {
            auto ws = workspace::Workspace::open(p.report.workspacePath);
            workspace::ExportRecord rec;
            rec.runId = model.studyRunId;
            if (model.heatmap && model.heatmap->maskId) rec.maskId = *model.heatmap->maskId;
            rec.kind = "report_pdf";
            rec.path = r.path;
            rec.meta = {{"pages", r.pages}, {"paper", paperName(p.paper)}, {"top", p.report.top},
                        {"title", model.title}, {"study_kind", model.studyKind}, {"seconds", r.seconds},
                        {"prominence_version", model.prominenceVersion}};
            if (p.report.comparisonId) rec.meta["comparison"] = *p.report.comparisonId;
            r.exportId = ws.addExport(rec);
        } catch (const Error& e) {
            const std::string why = std::string("the report was written but not recorded in the workspace: ") + e.what();
            if (log) log(why);
            r.summary["note"] = why;
        }
    }
    r.summary["export_id"] = r.exportId;
    r.summary["seconds"] = r.seconds;
    r.summary["contents"] = contents;
    r.summary["headline"] = model.headline;
    if (!model.notes.empty()) r.summary["notes"] = model.notes;
    return r;
}

ApplicationScope::ApplicationScope() {
    if (QCoreApplication::instance()) return;
    const bool display = std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY");
    if (!display && !std::getenv("QT_QPA_PLATFORM")) ::setenv("QT_QPA_PLATFORM", "offscreen", 1);
    static int argc = 1;
    static char name[] = "prominence-cli";
    static char* argv[] = {name, nullptr};
    app_ = std::make_unique<QApplication>(argc, argv);
}

ApplicationScope::~ApplicationScope() = default;

}  // namespace prominence::ui::report
