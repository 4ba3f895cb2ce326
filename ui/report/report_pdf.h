#pragma once
// Drawing a report model (core/study/report_model.h) into a PDF: cover, contents, summary, method and
// parameters, figures, top neurons, the comparison table and reproduction, each page with a header and
// "page N of M". Text is drawn as text (pdftotext finds every number) and the plots are QCustomPlot's
// vector output painted straight onto the PDF (only the heatmap's colour cells are an image). Needs a
// QGuiApplication (offscreen is fine), no window.
#include <string>
#include <utility>
#include <vector>

#include "core/study/report_model.h"

namespace prominence::ui::report {

enum class Paper { A4, Letter };

struct PdfOptions {
    Paper paper = Paper::A4;
};

// Where a figure was drawn: its page (1-based) and its plot's rectangle in points from the page's top left.
struct FigureArea {
    std::string name;
    int page = 0;
    double x = 0, y = 0, width = 0, height = 0;
};

struct PdfInfo {
    int pages = 0;
    std::vector<std::pair<std::string, int>> contents;  // the table of contents: section -> page (1-based)
    std::vector<FigureArea> figures;
};

// Writes `path` (the caller renames it into place). IoError naming the file when it cannot be written.
PdfInfo writeReportPdf(const study::ReportModel& model, const std::string& path, const PdfOptions& options);

}  // namespace prominence::ui::report
