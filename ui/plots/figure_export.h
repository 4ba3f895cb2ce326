#pragma once
// Saving a QCustomPlot figure at publication size: PNG (300 dpi), SVG (Qt SVG, vector) or PDF (vector),
// chosen by the file's extension. Every plot view's "Save figure…" goes through here.
#include <QString>

class QCustomPlot;

namespace prominence::ui {

// The file-dialog filter listing the three formats, PDF first.
QString figureFileFilter();

// Writes the plot as `width` × `height` (points for SVG and PDF, pixels at scale 1 for PNG). False
// with `error` set for an unknown extension or a file that cannot be written.
bool saveFigure(QCustomPlot* plot, const QString& path, int width, int height, const QString& title,
                QString* error = nullptr);

}  // namespace prominence::ui
