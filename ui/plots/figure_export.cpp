#include "ui/plots/figure_export.h"

#include <QFileInfo>
#include <QSvgGenerator>
#include <qcustomplot.h>

namespace prominence::ui {

QString figureFileFilter() { return QObject::tr("PDF (*.pdf);;SVG (*.svg);;PNG (*.png)"); }

bool saveFigure(QCustomPlot* plot, const QString& path, int width, int height, const QString& title, QString* error) {
    const QString ext = QFileInfo(path).suffix().toLower();
    bool ok = false;
    if (ext == QLatin1String("png")) {
        ok = plot->savePng(path, width * 2, height * 2, 1.0, -1, 300);
    } else if (ext == QLatin1String("pdf")) {
        ok = plot->savePdf(path, width, height, QCP::epNoCosmetic, QStringLiteral("Prominence"), title);
    } else if (ext == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(QSize(width, height));
        svg.setViewBox(QRect(0, 0, width, height));
        svg.setTitle(title);
        svg.setDescription(QStringLiteral("Prominence"));
        QCPPainter painter;
        if (painter.begin(&svg)) {
            painter.setMode(QCPPainter::pmVectorized);
            painter.setMode(QCPPainter::pmNoCaching);
            painter.setMode(QCPPainter::pmNonCosmetic);
            plot->toPainter(&painter, width, height);
            ok = painter.end();
        }
        ok = ok && QFileInfo(path).size() > 0;
    } else {
        if (error) *error = QObject::tr("%1: unknown figure format '.%2' (expected .pdf, .svg or .png)").arg(path, ext);
        return false;
    }
    if (!ok && error) *error = QObject::tr("could not write %1").arg(path);
    return ok;
}

}  // namespace prominence::ui
