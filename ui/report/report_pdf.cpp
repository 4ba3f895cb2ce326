#include "ui/report/report_pdf.h"

#include <QBuffer>
#include <QFile>
#include <QFontMetricsF>
#include <QLocale>
#include <QPageSize>
#include <QPdfWriter>
#include <QRegularExpression>
#include <QTextLayout>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <memory>

#include <qcustomplot.h>

#include "core/common/error.h"
#include "ui/report/report_plots.h"

namespace prominence::ui::report {

namespace {

using nlohmann::json;

// Device units per point: drawing at 720 dpi keeps glyph advances and lines exact to 1/10 pt.
constexpr int kResolution = 720;
constexpr double U = kResolution / 72.0;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QString qs(const std::string& s) { return QString::fromStdString(s); }

QFont makeFont(bool mono, double pt, bool bold = false, bool italic = false) {
    QFont f(mono ? QStringLiteral("DejaVu Sans Mono") : QStringLiteral("DejaVu Sans"));
    f.setStyleHint(mono ? QFont::Monospace : QFont::SansSerif);
    f.setPointSizeF(pt);
    f.setBold(bold);
    f.setItalic(italic);
    f.setHintingPreference(QFont::PreferNoHinting);
    // Any letter spacing turns ligatures off: pdftotext would otherwise give "ﬁnetune" for "finetune".
    f.setLetterSpacing(QFont::AbsoluteSpacing, 0.1);
    return f;
}


QString fixed(double v, int digits = 3) { return std::isfinite(v) ? QString::number(v, 'f', digits) : QStringLiteral("—"); }

QString signedFixed(double v, int digits = 3) {
    if (!std::isfinite(v)) return QStringLiteral("—");
    return (v >= 0 ? QStringLiteral("+") : QStringLiteral("−")) + QString::number(std::abs(v), 'f', digits);
}

QString pText(double p) { return p < 1e-4 ? QStringLiteral("< 0.0001") : QString::number(p, 'g', 3); }

QString jsonText(const json& v) {
    if (v.is_string()) return qs(v.get<std::string>());
    if (v.is_null()) return QStringLiteral("—");
    return qs(v.dump());
}


// ---------------------------------------------------------------- text layout

// One paragraph broken into lines of `width` device units.
struct Wrapped {
    std::vector<std::unique_ptr<QTextLayout>> layouts;
    std::vector<QTextLine> lines;
    double lineHeight = 0;
    double height() const { return lineHeight * static_cast<double>(lines.size()); }
};

Wrapped wrap(const QString& text, const QFont& font, double width, QPaintDevice* device, bool anywhere) {
    Wrapped w;
    w.lineHeight = QFontMetricsF(font, device).lineSpacing();
    QTextOption option;
    option.setWrapMode(anywhere ? QTextOption::WrapAtWordBoundaryOrAnywhere : QTextOption::WordWrap);
    option.setUseDesignMetrics(true);
    const QStringList paragraphs = text.split(QLatin1Char('\n'));
    for (const QString& para : paragraphs) {
        auto layout = std::make_unique<QTextLayout>(para, font, device);
        layout->setTextOption(option);
        layout->beginLayout();
        for (;;) {
            QTextLine line = layout->createLine();
            if (!line.isValid()) break;
            line.setLineWidth(std::max(1.0, width));
            w.lines.push_back(line);
        }
        layout->endLayout();
        w.layouts.push_back(std::move(layout));
    }
    return w;
}

double naturalWidth(const QString& text, const QFont& font, QPaintDevice* device) {
    const QFontMetricsF m(font, device);
    double widest = 0;
    for (const QString& line : text.split(QLatin1Char('\n'))) widest = std::max(widest, m.horizontalAdvance(line));
    return widest;
}

// ---------------------------------------------------------------- pages

struct Column {
    QString head;
    double weight = 1;
    bool mono = false;
    bool right = false;
};

struct Section {
    QString title;
    int level = 0;
};

// Lays the report out page by page. Drawn twice: the first pass (measuring) learns the pages of the
// sections and the page count, the second draws with them; both make the same layout decisions.
class Writer {
public:
    Writer(QPdfWriter& pdf, QCPPainter& painter, const study::ReportModel& model, bool measuring, int totalPages,
           std::map<QString, int> known)
        : pdf_(pdf), p_(painter), model_(model), measuring_(measuring), total_(totalPages), known_(std::move(known)) {
        const QRectF page(QPointF(0, 0), QSizeF(pdf.width(), pdf.height()));
        body_ = page.adjusted(50 * U, 54 * U, -50 * U, -50 * U);
        pageRect_ = page;
        bodyFont_ = makeFont(false, 9);
    }

    int page() const { return page_; }
    const std::vector<std::pair<Section, int>>& sections() const { return sections_; }
    const std::vector<FigureArea>& figures() const { return figures_; }
    QPaintDevice* device() { return &pdf_; }
    double width() const { return body_.width(); }

    void newPage() {
        if (page_ > 0) pdf_.newPage();
        ++page_;
        y_ = body_.top();
        drawFrame();
    }

    void space(double pt) { y_ = std::min(body_.bottom(), y_ + pt * U); }

    // Starts a new page unless `pt` points still fit on this one.
    void need(double pt) {
        if (y_ + pt * U > body_.bottom() && y_ > body_.top() + 1) newPage();
    }

    void pageBreak() {
        if (y_ > body_.top() + 1) newPage();
    }

    void heading(const QString& title, int level, bool listed = true) {
        const QFont f = makeFont(false, level == 0 ? 15 : level == 1 ? 11.5 : 9.5, true);
        need(level == 0 ? 90 : 60);
        space(level == 0 ? 4 : 8);
        if (listed) sections_.push_back({{title, level}, page_});
        p_.setPen(level == 0 ? QColor(0x12, 0x3a, 0x5e) : QColor(0x22, 0x22, 0x22));
        text(title, f, 0, false);
        if (level == 0) {
            p_.setPen(QPen(QColor(0x12, 0x3a, 0x5e), 0.8 * U));
            p_.drawLine(QPointF(body_.left(), y_ + 1 * U), QPointF(body_.right(), y_ + 1 * U));
        }
        p_.setPen(Qt::black);
        space(level == 0 ? 8 : 3);
    }

    // A paragraph, broken across pages between lines.
    void text(const QString& s, const QFont& font, double indentPt = 0, bool anywhere = false, double afterPt = 2) {
        const Wrapped w = wrap(s, font, body_.width() - indentPt * U, &pdf_, anywhere);
        for (const QTextLine& line : w.lines) {
            need(w.lineHeight / U);
            if (!measuring_) line.draw(&p_, QPointF(body_.left() + indentPt * U, y_ - line.y()));
            y_ += w.lineHeight;
        }
        space(afterPt);
    }

    void para(const QString& s) { text(s, bodyFont_, 0, false, 4); }
    void note(const QString& s) {
        p_.setPen(QColor(0x55, 0x55, 0x55));
        text(s, makeFont(false, 8, false, true), 0, false, 4);
        p_.setPen(Qt::black);
    }

    // A table whose rows break across pages (a tall row continues on the next page with the header
    // repeated); cells wrap at word boundaries or anywhere, so nothing runs past its column.
    void table(const std::vector<Column>& cols, const std::vector<QStringList>& rows, double pt = 8, bool header = true) {
        const QFont plain = makeFont(false, pt), mono = makeFont(true, pt * 0.95), bold = makeFont(false, pt, true);
        double total = 0;
        for (const Column& c : cols) total += c.weight;
        std::vector<double> widths, xs;
        double x = body_.left();
        for (const Column& c : cols) {
            xs.push_back(x);
            widths.push_back(body_.width() * c.weight / total);
            x += widths.back();
        }
        const double padX = 3 * U, padY = 1.6 * U;
        auto layRow = [&](const QStringList& cells, bool head) {
            std::vector<Wrapped> out;
            for (std::size_t c = 0; c < cols.size(); ++c) {
                const QString s = static_cast<int>(c) < cells.size() ? cells[static_cast<int>(c)] : QString();
                out.push_back(wrap(s, head ? bold : cols[c].mono ? mono : plain, widths[c] - 2 * padX, &pdf_, true));
            }
            return out;
        };
        std::vector<Wrapped> head;
        QStringList heads;
        for (const Column& c : cols) heads << c.head;
        if (header) head = layRow(heads, true);
        auto rowHeight = [&](const std::vector<Wrapped>& r) {
            double h = 0;
            for (const Wrapped& w : r) h = std::max(h, w.height());
            return h + 2 * padY;
        };
        auto drawCells = [&](const std::vector<Wrapped>& r, std::size_t from, std::size_t count, double h, bool isHead, bool shade) {
            if (!measuring_) {
                const QRectF band(body_.left(), y_, body_.width(), h);
                if (isHead) p_.fillRect(band, QColor(0xe4, 0xea, 0xf1));
                else if (shade) p_.fillRect(band, QColor(0xf6, 0xf7, 0xf9));
                p_.setPen(Qt::black);
                for (std::size_t c = 0; c < r.size(); ++c) {
                    const Wrapped& w = r[c];
                    for (std::size_t i = from; i < std::min(w.lines.size(), from + count); ++i) {
                        const QTextLine& line = w.lines[i];
                        double lx = xs[c] + padX;
                        if (cols[c].right) lx = xs[c] + widths[c] - padX - line.naturalTextWidth();
                        line.draw(&p_, QPointF(lx, y_ + padY + static_cast<double>(i - from) * w.lineHeight - line.y()));
                    }
                }
                p_.setPen(QPen(QColor(0xc8, 0xcc, 0xd2), 0.4 * U));
                p_.drawLine(QPointF(body_.left(), y_ + h), QPointF(body_.right(), y_ + h));
                p_.setPen(Qt::black);
            }
            y_ += h;
        };
        auto drawHead = [&] {
            if (header) drawCells(head, 0, std::numeric_limits<std::size_t>::max(), rowHeight(head), true, false);
        };
        const double firstRow = rows.empty() ? 0 : std::min(rowHeight(layRow(rows.front(), false)), body_.height() / 3);
        need(((header ? rowHeight(head) : 0) + firstRow) / U + 2);
        drawHead();
        int index = 0;
        for (const QStringList& cells : rows) {
            const std::vector<Wrapped> r = layRow(cells, false);
            const double h = rowHeight(r);
            const bool shade = index++ % 2 == 1;
            if (y_ + h <= body_.bottom()) {
                drawCells(r, 0, std::numeric_limits<std::size_t>::max(), h, false, shade);
                continue;
            }
            // Taller than what is left: a fresh page when it fits there, else as many lines as fit per page.
            const double fresh = body_.height() - (header ? rowHeight(head) : 0);
            std::size_t lines = 0;
            double lh = 0;
            for (const Wrapped& w : r) {
                lines = std::max(lines, w.lines.size());
                lh = std::max(lh, w.lineHeight);
            }
            if (h <= fresh) {
                newPage();
                drawHead();
                drawCells(r, 0, std::numeric_limits<std::size_t>::max(), h, false, shade);
                continue;
            }
            std::size_t from = 0;
            while (from < lines) {
                std::size_t fit = static_cast<std::size_t>(std::floor((body_.bottom() - y_ - 2 * padY) / lh));
                if (fit == 0) {
                    newPage();
                    drawHead();
                    continue;
                }
                fit = std::min(fit, lines - from);
                drawCells(r, from, fit, static_cast<double>(fit) * lh + 2 * padY, false, shade);
                from += fit;
            }
        }
        space(6);
    }

    // Monospace text at the largest size up to `pt` whose widest line fits the width; below 5 pt the
    // lines wrap instead of shrinking further.
    void monoBlock(const QString& s, double pt, bool anywhere = true) {
        double size = pt;
        const double natural = naturalWidth(s, makeFont(true, pt), &pdf_);
        if (natural > body_.width()) size = std::max(5.0, pt * body_.width() / natural * 0.995);
        text(s, makeFont(true, size), 0, anywhere, 6);
    }

    // A figure: the plot drawn at the body width and `heightPt`, then its caption and source line.
    void figure(QCustomPlot* plot, double heightPt, const QString& caption, const QString& source) {
        const Wrapped cap = wrap(caption, makeFont(false, 8.5), body_.width(), &pdf_, false);
        const Wrapped src = wrap(source, makeFont(false, 7.5, false, true), body_.width(), &pdf_, true);
        need(heightPt + (cap.height() + src.height()) / U + 10);
        const double wPt = body_.width() / U;
        if (!measuring_) {
            figures_.push_back({caption.section(QLatin1Char('.'), 0, 0).section(QStringLiteral(": "), 1).toStdString(), page_,
                                body_.left() / U, y_ / U, body_.width() / U, heightPt});
            p_.save();
            p_.translate(body_.left(), y_);
            p_.scale(U, U);
            plot->toPainter(&p_, static_cast<int>(wPt), static_cast<int>(heightPt));
            p_.restore();
        }
        y_ += heightPt * U;
        space(3);
        p_.setPen(Qt::black);
        text(caption, makeFont(false, 8.5), 0, false, 1);
        p_.setPen(QColor(0x55, 0x55, 0x55));
        text(source, makeFont(false, 7.5, false, true), 0, true, 10);
        p_.setPen(Qt::black);
    }

    int pageOf(const QString& title) const {
        auto it = known_.find(title);
        return it == known_.end() ? 0 : it->second;
    }

private:
    void drawFrame() {
        if (measuring_) return;
        const QFont f = makeFont(false, 7.5);
        p_.setFont(f);
        p_.setPen(QColor(0x55, 0x55, 0x55));
        const double top = body_.top() - 22 * U, bottom = body_.bottom() + 18 * U;
        const QFontMetricsF m(f, &pdf_);
        const QString right = QStringLiteral("Prominence report");
        const QString title = m.elidedText(qs(model_.title), Qt::ElideRight, body_.width() - m.horizontalAdvance(right) - 20 * U);
        p_.drawText(QPointF(body_.left(), top + m.ascent()), title);
        p_.drawText(QPointF(body_.right() - m.horizontalAdvance(right), top + m.ascent()), right);
        p_.setPen(QPen(QColor(0xbb, 0xbb, 0xbb), 0.5 * U));
        p_.drawLine(QPointF(body_.left(), top + m.height() + 3 * U), QPointF(body_.right(), top + m.height() + 3 * U));
        p_.drawLine(QPointF(body_.left(), bottom - 3 * U), QPointF(body_.right(), bottom - 3 * U));
        p_.setPen(QColor(0x55, 0x55, 0x55));
        const QString left = QStringLiteral("%1 · %2 run %3").arg(qs(model_.generatedAt), qs(model_.studyKind)).arg(model_.studyRunId);
        const QString pageText = QStringLiteral("page %1 of %2").arg(page_).arg(total_ > 0 ? QString::number(total_) : QStringLiteral("?"));
        p_.drawText(QPointF(body_.left(), bottom + m.ascent()), left);
        p_.drawText(QPointF(body_.right() - m.horizontalAdvance(pageText), bottom + m.ascent()), pageText);
        p_.setPen(Qt::black);
    }

    QPdfWriter& pdf_;
    QCPPainter& p_;
    const study::ReportModel& model_;
    bool measuring_;
    int total_;
    std::map<QString, int> known_;
    QRectF body_, pageRect_;
    QFont bodyFont_;
    double y_ = 0;
    int page_ = 0;
    std::vector<std::pair<Section, int>> sections_;
    std::vector<FigureArea> figures_;
};

QString sourceFor(const study::ReportModel& m, const QString& keyword) {
    QStringList out;
    for (const auto& s : m.sources)
        if (qs(s.what).contains(keyword, Qt::CaseInsensitive)) out << qs(s.from);
    return out.isEmpty() ? QStringLiteral("Source: the study run %1 (see Reproduction).").arg(m.studyRunId)
                         : QStringLiteral("Source: %1.").arg(out.join(QStringLiteral("; ")));
}

QString effectText(const std::vector<study::TokenEffect>& effects) {
    QStringList out;
    for (const auto& e : effects) {
        QString t = qs(e.text);
        t.replace(QLatin1Char('\n'), QStringLiteral("\\n"));
        // A byte-level token that is no whole character on its own is named by its id.
        if (t.contains(QChar::ReplacementCharacter)) out << QStringLiteral("token %1 %2").arg(e.token).arg(signedFixed(e.value, 3));
        else out << QStringLiteral("“%1” %2").arg(t, signedFixed(e.value, 3));
    }
    return out.join(QStringLiteral(", "));
}

QString optionLetter(std::size_t i) { return QString(QChar(static_cast<char16_t>(u'A' + static_cast<int>(i % 26)))); }

// ---------------------------------------------------------------- the report's sections

void drawCover(Writer& w, const study::ReportModel& m) {
    w.space(6);
    QFont title = makeFont(false, 22, true);
    w.text(qs(m.title), title, 0, false, 6);
    w.text(QStringLiteral("%1 run %2%3").arg(qs(m.studyKind)).arg(m.studyRunId).arg(m.studyName.empty() ? QString() : QStringLiteral(" · ") + qs(m.studyName)),
           makeFont(false, 12), 0, false, 2);
    w.text(QStringLiteral("Generated %1 by Prominence %2").arg(qs(m.generatedAt), qs(m.prominenceVersion)), makeFont(false, 10), 0, false, 10);

    w.heading(QStringLiteral("Model"), 1, false);
    if (m.model) {
        const auto& r = *m.model;
        w.table({{QStringLiteral("field"), 1}, {QStringLiteral("value"), 4, true}},
                {{QStringLiteral("path"), qs(r.path)},
                 {QStringLiteral("name"), qs(r.name)},
                 {QStringLiteral("architecture"), qs(r.architecture)},
                 {QStringLiteral("parameters"), QLocale(QLocale::English, QLocale::UnitedStates).toString(static_cast<qlonglong>(m.parameterCount))},
                 {QStringLiteral("config hash"), qs(r.configHash)},
                 {QStringLiteral("weights hash"), qs(r.weightsHash)}},
                8, false);
    } else {
        w.note(QStringLiteral("No model is recorded for this study."));
    }
    w.heading(QStringLiteral("Benchmarks"), 1, false);
    if (m.benchmarks.empty()) {
        w.note(QStringLiteral("No benchmark is recorded for this study."));
    } else {
        std::vector<QStringList> rows;
        for (const auto& b : m.benchmarks)
            rows.push_back({qs(b.role), qs(b.record.name), qs(b.record.path), qs(b.record.hash), qs(b.record.format),
                            QString::number(b.record.itemCount)});
        w.table({{QStringLiteral("role"), 0.9}, {QStringLiteral("name"), 1.5}, {QStringLiteral("path"), 2.6, true},
                 {QStringLiteral("hash"), 2.2, true}, {QStringLiteral("format"), 0.9}, {QStringLiteral("items"), 0.7, false, true}},
                rows, 7.5);
    }
    w.heading(QStringLiteral("Machine and workspace"), 1, false);
    std::vector<QStringList> rows;
    // Nested objects (the study's machine record) as dotted keys, two levels deep.
    std::function<void(const nlohmann::ordered_json&, const QString&, int)> flatten = [&](const nlohmann::ordered_json& v, const QString& key, int depth) {
        if (v.is_object() && depth < 3 && !v.empty()) {
            for (auto it = v.begin(); it != v.end(); ++it)
                flatten(it.value(), key.isEmpty() ? qs(it.key()) : key + QLatin1Char('.') + qs(it.key()), depth + 1);
            return;
        }
        rows.push_back({key, v.is_string() ? qs(v.get<std::string>()) : qs(v.dump())});
    };
    if (m.machine.is_object()) flatten(m.machine, QString(), 0);
    rows.push_back({QStringLiteral("workspace"), qs(m.workspacePath)});
    rows.push_back({QStringLiteral("study run"), QStringLiteral("%1 (%2)").arg(m.studyRunId).arg(qs(m.studyKind))});
    w.table({{QStringLiteral("field"), 2.1}, {QStringLiteral("value"), 4, true}}, rows, 7, false);
}

void drawContents(Writer& w, const std::vector<std::pair<Section, int>>& listed, const std::map<QString, int>& pages) {
    w.heading(QStringLiteral("Contents"), 0, false);
    std::vector<QStringList> rows;
    for (const auto& [s, page] : listed) {
        auto it = pages.find(s.title);
        const int n = it == pages.end() ? page : it->second;
        rows.push_back({(s.level == 0 ? QString() : QStringLiteral("      ")) + s.title, QString::number(n)});
    }
    w.table({{QStringLiteral("section"), 6}, {QStringLiteral("page"), 1, false, true}}, rows, 9.5, false);
}

void drawMethod(Writer& w, const study::ReportModel& m) {
    w.heading(QStringLiteral("Method and parameters"), 0);
    w.note(QStringLiteral("Every parameter of every step as stored with its run. “default” marks a value equal to the default of "
                          "Prominence's parameter structs for that step; unmarked values were set for this study."));
    if (m.steps.empty()) w.note(QStringLiteral("No steps are recorded for this study."));
    for (const auto& s : m.steps) {
        w.heading(QStringLiteral("%1 run %2%3").arg(qs(s.kind)).arg(s.runId).arg(s.name.empty() ? QString() : QStringLiteral(" — ") + qs(s.name)), 2, false);
        QStringList facts{qs(s.status)};
        if (!s.startedAt.empty()) facts << QStringLiteral("started ") + qs(s.startedAt);
        if (!s.endedAt.empty()) facts << QStringLiteral("ended ") + qs(s.endedAt);
        facts << QStringLiteral("%1 parameters, %2 at their defaults").arg(s.params.size()).arg(s.defaults);
        w.note(facts.join(QStringLiteral(" · ")));
        if (s.params.empty()) continue;
        std::vector<QStringList> rows;
        for (const auto& p : s.params) rows.push_back({qs(p.key), qs(p.value), p.isDefault ? QStringLiteral("default") : QString()});
        w.table({{QStringLiteral("parameter"), 2.2, true}, {QStringLiteral("value"), 4.2, true}, {QStringLiteral("default"), 0.8}}, rows, 7.5);
    }
}

QString groundTruthCell(const json& st) {
    if (!st.is_object() || !st.contains("mean")) return QStringLiteral("—");
    return QStringLiteral("%1 ± %2").arg(fixed(st.value("mean", kNaN)), fixed(st.value("sd", 0.0)));
}

void drawFigures(Writer& w, const study::ReportModel& m, std::vector<std::string>& figureNames) {
    w.heading(QStringLiteral("Figures"), 0);
    int n = 0;
    auto caption = [&](const QString& name, const QString& text) {
        ++n;
        figureNames.push_back(name.toStdString());
        return QStringLiteral("Figure %1: %2. %3").arg(n).arg(name, text);
    };
    auto skipped = [&](const QString& name, const QString& why) { w.note(QStringLiteral("%1 — not drawn: %2.").arg(name, why)); };

    const auto& hm = m.heatmap;
    if (hm && hm->layers > 0 && hm->neurons > 0 && static_cast<std::int64_t>(hm->scores.size()) == hm->layers * hm->neurons) {
        HeatmapFigure f = heatmapPlot(*hm);
        const double h = std::clamp(120.0 + 6.0 * static_cast<double>(hm->layers), 150.0, 330.0);
        w.figure(f.plot.get(), h,
                 caption(QStringLiteral("Layer × neuron heatmap"),
                         QStringLiteral("%1 scores (%2 layers × %3 neurons) on %4, diverging colour map symmetric around 0, "
                                        "range ±%5 (99.5th percentile of |score|; larger values saturate). Each pixel column "
                                        "shows the largest |score| of the neurons it covers. Squares: the %6 neurons of the "
                                        "method's mask%7.")
                             .arg(qs(hm->kind))
                             .arg(hm->layers)
                             .arg(hm->neurons)
                             .arg(qs(hm->dataset))
                             .arg(f.range, 0, 'g', 4)
                             .arg(hm->mask.size())
                             .arg(hm->maskName.empty() ? QString() : QStringLiteral(" “%1”").arg(qs(hm->maskName)))),
                 sourceFor(m, QStringLiteral("heatmap")));
    } else {
        skipped(QStringLiteral("Layer × neuron heatmap"), QStringLiteral("the study stores no score matrix"));
    }
    if (hm && !hm->prunedPerLayer.empty()) {
        std::int64_t total = 0;
        for (auto c : hm->prunedPerLayer) total += c;
        auto plot = prunedPlot(*hm);
        w.figure(plot.get(), 150,
                 caption(QStringLiteral("Pruned neurons per layer"),
                         QStringLiteral("%1 neurons in the method's mask over %2 layers.").arg(total).arg(hm->prunedPerLayer.size())),
                 sourceFor(m, QStringLiteral("pruned")));
    } else {
        skipped(QStringLiteral("Pruned neurons per layer"), QStringLiteral("the study has no mask"));
    }
    if (m.histogram && !m.histogram->pCorrect.empty()) {
        const auto& h = *m.histogram;
        std::int64_t right = 0;
        for (bool c : h.correct) right += c ? 1 : 0;
        auto plot = histogramPlot(h);
        QString sel = h.threshold ? QStringLiteral(" Dashed line: the selection's threshold %1; %2 items selected%3.")
                                        .arg(*h.threshold, 0, 'g', 4)
                                        .arg(h.selected)
                                        .arg(h.selectionName.empty() ? QString() : QStringLiteral(" as “%1”").arg(qs(h.selectionName)))
                                  : QStringLiteral(" No selection threshold is recorded.");
        w.figure(plot.get(), 170,
                 caption(QStringLiteral("p(correct) histogram"),
                         QStringLiteral("%1 items of %2 (eval run %3) in 20 bins, %4 correct (green) and %5 wrong (orange), stacked.%6")
                             .arg(h.pCorrect.size())
                             .arg(qs(h.benchmark))
                             .arg(h.evalRunId)
                             .arg(right)
                             .arg(static_cast<std::int64_t>(h.pCorrect.size()) - right)
                             .arg(sel)),
                 sourceFor(m, QStringLiteral("histogram")));
        if (!h.criterion.empty()) w.note(QStringLiteral("Selection criteria: %1").arg(qs(h.criterion)));
    } else {
        skipped(QStringLiteral("p(correct) histogram"), QStringLiteral("no eval run of the source benchmark is part of the study"));
    }
    if (m.comparison && !m.comparison->cells.empty()) {
        const auto& d = *m.comparison;
        QStringList groups;
        for (const auto& b : d.benchmarks) groups << (b == d.source ? QStringLiteral("%1 (in-domain)").arg(qs(b)) : qs(b));
        std::vector<BarSeriesData> series;
        for (const auto& c : d.conditions) {
            BarSeriesData s{qs(c), conditionColor(c), {}, {}, {}};
            for (const auto& b : d.benchmarks) {
                const study::ComparisonCell* cell = d.cell(c, b);
                s.values.push_back(cell ? cell->mean : kNaN);
                s.low.push_back(cell ? cell->ciLow : kNaN);
                s.high.push_back(cell ? cell->ciHigh : kNaN);
            }
            series.push_back(std::move(s));
        }
        auto plot = groupedBars(groups, series, QStringLiteral("accuracy (%1% CI)").arg(d.ciLevel * 100, 0, 'g', 3), false, kNaN, kNaN);
        w.figure(plot.get(), 210,
                 caption(QStringLiteral("Accuracy per benchmark and condition"),
                         QStringLiteral("Mean accuracy over seeds with its %1% interval (error bars), in-domain benchmark first; "
                                        "conditions as the comparison stores them (%2 neurons pruned).")
                             .arg(d.ciLevel * 100, 0, 'g', 3)
                             .arg(d.pruned)),
                 sourceFor(m, QStringLiteral("bars")));
    } else {
        skipped(QStringLiteral("Accuracy per benchmark and condition"), QStringLiteral("the study has no comparison"));
    }
    const bool lab = m.comparison && (!m.comparison->probe.is_null() && !m.comparison->probe.empty());
    if (lab) {
        auto lines = probeLines(m.comparison->probe);
        auto plot = lineChart(lines, QStringLiteral("neurons pruned (% of the selectable ones)"), QStringLiteral("cue-following on source_conflict"));
        w.figure(plot.get(), 190,
                 caption(QStringLiteral("Localisation probe"),
                         QStringLiteral("Cue-following on the source_conflict items after pruning the top p% of neurons by the "
                                        "method's scores, by random choice (mean over seeds) and by the oracle, without fine-tuning; "
                                        "the dashed line is the floor with the planted tags removed from the prompt.")),
                 sourceFor(m, QStringLiteral("probe")));
    }
    if (m.comparison && !m.comparison->groundTruth.is_null() && !m.comparison->groundTruth.empty()) {
        const json& gt = m.comparison->groundTruth;
        w.heading(QStringLiteral("Shortcut Lab ground truth"), 2, false);
        const json byCond = gt.value("cue_following_by_condition", json::object());
        std::vector<QStringList> rows;
        std::vector<std::string> order = m.comparison->conditions;
        for (auto it = byCond.begin(); it != byCond.end(); ++it)
            if (std::find(order.begin(), order.end(), it.key()) == order.end()) order.push_back(it.key());
        for (const auto& c : order) {
            if (!byCond.contains(c)) continue;
            const json& st = byCond.at(c);
            rows.push_back({qs(c), groundTruthCell(st.value("cue_following", json())), groundTruthCell(st.value("conflict_accuracy", json()))});
        }
        if (!rows.empty())
            w.table({{QStringLiteral("condition"), 2}, {QStringLiteral("cue-following (mean ± sd)"), 2, false, true},
                     {QStringLiteral("conflict accuracy (mean ± sd)"), 2, false, true}},
                    rows, 8);
        const json ab = gt.value("ablation", json::object());
        if (!ab.empty()) {
            const json rnd = ab.value("random_neurons_cue_following_change", json::object());
            const json before = gt.value("reliance_before", json::object());
            w.para(QStringLiteral("Ablation without fine-tuning (cue-following before: %1): the method's neurons change cue-following by %2; "
                                  "random neurons of the same per-layer counts by %3 ± %4 over %5 draws, %6 of which dropped at least as "
                                  "much. Ambiguous-source accuracy changes by %7 (method) and %8 (random).")
                       .arg(fixed(before.value("cue_following", kNaN)))
                       .arg(signedFixed(ab.value("method_neurons_cue_following_change", kNaN)))
                       .arg(signedFixed(rnd.value("mean", kNaN)))
                       .arg(fixed(rnd.value("sd", kNaN)))
                       .arg(rnd.value("per_run", json::array()).size())
                       .arg(ab.value("random_draws_with_a_drop_at_least_as_large", 0))
                       .arg(signedFixed(ab.value("method_neurons_ambiguous_accuracy_change", kNaN)))
                       .arg(signedFixed(ab.value("random_neurons_ambiguous_accuracy_change", json::object()).value("mean", kNaN))));
        }
        std::vector<QStringList> other;
        QStringList structured;
        for (auto it = gt.begin(); it != gt.end(); ++it) {
            if (it.key() == "cue_following_by_condition" || it.key() == "ablation" || it.key() == "reliance_before") continue;
            if (it.value().is_structured()) structured << qs(it.key());
            else other.push_back({qs(it.key()), jsonText(it.value())});
        }
        if (!other.empty()) w.table({{QStringLiteral("ground truth"), 2, true}, {QStringLiteral("value"), 5, true}}, other, 7);
        if (!structured.isEmpty())
            w.note(QStringLiteral("Also stored with the lab's ground truth, not repeated here: %1 (the paired differences are in the "
                                  "Comparison section).").arg(structured.join(QStringLiteral(", "))));
        w.note(sourceFor(m, QStringLiteral("ground truth")));
    } else if (!lab) {
        w.note(QStringLiteral("Localisation probe and Shortcut Lab ground truth — not drawn: the study is not a Shortcut Lab run."));
    }
}

void drawNeurons(Writer& w, const study::ReportModel& m) {
    w.heading(QStringLiteral("Top neurons"), 0);
    if (!m.neuronNote.empty()) w.note(qs(m.neuronNote));
    if (m.topNeurons.empty()) {
        w.note(QStringLiteral("No neurons are listed (no score matrix, or --top 0)."));
        return;
    }
    w.note(QStringLiteral("By score, largest first; rank 1 is the largest score of the matrix. Items: the top items by integrated "
                          "gradients at the neuron, with the gold answer and the model's prediction marked. Direct effect: the "
                          "tokens whose logits the neuron's output direction raises (up) and lowers (down) most."));
    std::vector<QStringList> rows;
    for (const auto& n : m.topNeurons) {
        QStringList items;
        for (const auto& it : n.items) {
            QString s = QStringLiteral("#%1 (IG %2) %3").arg(it.itemIndex).arg(signedFixed(it.attribution, 4), qs(it.question));
            QStringList opts;
            for (std::size_t o = 0; o < it.options.size(); ++o) {
                QString mark;
                if (static_cast<std::int64_t>(o) == it.gold) mark += QStringLiteral(" [gold]");
                if (static_cast<std::int64_t>(o) == it.pred) mark += QStringLiteral(" [pred]");
                opts << QStringLiteral("%1) %2%3").arg(optionLetter(o), qs(it.options[o]), mark);
            }
            items << s + QStringLiteral("\n    ") + opts.join(QStringLiteral("  "));
        }
        QString effect;
        if (!n.up.empty()) effect += QStringLiteral("up: ") + effectText(n.up);
        if (!n.down.empty()) effect += (effect.isEmpty() ? QString() : QStringLiteral("\n")) + QStringLiteral("down: ") + effectText(n.down);
        rows.push_back({QStringLiteral("%1:%2").arg(n.layer).arg(n.neuron), QString::number(n.score, 'g', 4), QString::number(n.rank),
                        n.pruned ? QStringLiteral("yes") : QStringLiteral("no"), items.join(QStringLiteral("\n")),
                        effect.isEmpty() ? QStringLiteral("—") : effect});
    }
    w.table({{QStringLiteral("neuron"), 0.75, true}, {QStringLiteral("score"), 0.95, false, true}, {QStringLiteral("rank"), 0.5, false, true},
             {QStringLiteral("pruned"), 0.7}, {QStringLiteral("top items"), 4.2}, {QStringLiteral("direct effect"), 2.5}},
            rows, 6.8);
}

void drawComparison(Writer& w, const study::ReportModel& m) {
    w.heading(QStringLiteral("Comparison"), 0);
    if (m.comparisonText.empty() && !m.comparison) {
        w.note(QStringLiteral("The study has no comparison."));
        return;
    }
    if (!m.comparisonText.empty()) {
        w.note(QStringLiteral("The stored comparison table exactly as `prominence-cli compare` prints it."));
        std::string text = m.comparisonText;
        while (!text.empty() && text.back() == '\n') text.pop_back();
        w.monoBlock(qs(text), 8);
    }
    if (m.comparison && !m.comparison->differences.empty()) {
        const auto& d = *m.comparison;
        w.heading(QStringLiteral("Paired differences and McNemar's test"), 2, false);
        w.note(QStringLiteral("Per benchmark, the method minus each control, item by item within each seed (%1% percentile bootstrap "
                              "interval over items); McNemar's discordant counts with the seeds pooled. * : the interval excludes 0.")
                   .arg(d.ciLevel * 100, 0, 'g', 3));
        std::vector<QStringList> rows;
        for (const auto& p : d.differences)
            rows.push_back({QStringLiteral("%1 − %2").arg(qs(p.a), qs(p.b)), qs(p.benchmark) + (p.source ? QStringLiteral(" (in-domain)") : QString()),
                            QString::number(p.items), qs(study::formatDifference(p)) + (p.significant() ? QStringLiteral(" *") : QString()),
                            QString::number(p.onlyA), QString::number(p.onlyB), pText(p.exactP), pText(p.chi2P)});
        w.table({{QStringLiteral("contrast"), 2.7}, {QStringLiteral("benchmark"), 1.9}, {QStringLiteral("items"), 0.7, false, true},
                 {QStringLiteral("difference [CI]"), 2.9, true}, {QStringLiteral("only a"), 0.65, false, true},
                 {QStringLiteral("only b"), 0.65, false, true}, {QStringLiteral("exact p"), 0.8, false, true},
                 {QStringLiteral("χ² p"), 0.8, false, true}},
                rows, 7);
    }
}

void drawReproduction(Writer& w, const study::ReportModel& m) {
    w.heading(QStringLiteral("Reproduction"), 0);
    w.note(QStringLiteral("The commands that reproduce this study, in order, against the workspace below."));
    for (const auto& c : m.reproduction) w.text(QStringLiteral("$ ") + qs(c), makeFont(true, 7.5), 0, true, 4);
    if (m.reproduction.empty()) w.note(QStringLiteral("No commands are recorded."));
    if (!m.pipelineConfig.empty()) {
        w.heading(QStringLiteral("Pipeline configuration"), 2, false);
        w.monoBlock(qs(m.pipelineConfig), 7);
    }
    w.heading(QStringLiteral("Workspace and sources"), 2, false);
    w.text(QStringLiteral("workspace: ") + qs(m.workspacePath), makeFont(true, 7.5), 0, true, 4);
    w.text(QStringLiteral("study run: %1 (%2)").arg(m.studyRunId).arg(qs(m.studyKind)), makeFont(false, 8.5), 0, false, 6);
    if (!m.sources.empty()) {
        std::vector<QStringList> rows;
        for (const auto& s : m.sources) rows.push_back({qs(s.what), qs(s.from)});
        w.table({{QStringLiteral("figure or table"), 2.5}, {QStringLiteral("drawn from"), 4, true}}, rows, 7.5);
    }
    if (!m.notes.empty()) {
        w.heading(QStringLiteral("Notes"), 2, false);
        for (const auto& n : m.notes) w.text(QStringLiteral("• ") + qs(n), makeFont(false, 8.5), 8, false, 2);
    }
}

struct PassResult {
    int pages = 0;
    std::vector<std::pair<Section, int>> sections;
    std::vector<FigureArea> figures;
};

PassResult drawReport(QPdfWriter& pdf, const study::ReportModel& m, bool measuring, int totalPages,
                      const std::vector<std::pair<Section, int>>& known) {
    QCPPainter painter;
    if (!painter.begin(&pdf)) throw StorageError("report: cannot start drawing the PDF");
    painter.setRenderHint(QPainter::Antialiasing, true);
    painter.setRenderHint(QPainter::TextAntialiasing, true);
    std::map<QString, int> pages;
    for (const auto& [s, p] : known) pages[s.title] = p;
    Writer w(pdf, painter, m, measuring, totalPages, pages);
    w.newPage();
    drawCover(w, m);
    w.pageBreak();
    // The contents list the sections the first pass found; in the first pass its rows are the names
    // with placeholder pages, so both passes give it the same height.
    std::vector<std::pair<Section, int>> listed = known;
    if (measuring) {
        listed = {{{QStringLiteral("Summary"), 0}, 0}, {{QStringLiteral("Method and parameters"), 0}, 0}, {{QStringLiteral("Figures"), 0}, 0},
                  {{QStringLiteral("Top neurons"), 0}, 0}, {{QStringLiteral("Comparison"), 0}, 0}, {{QStringLiteral("Reproduction"), 0}, 0}};
    }
    drawContents(w, listed, pages);
    w.space(14);
    w.heading(QStringLiteral("Summary"), 0);
    w.para(m.summary.empty() ? QStringLiteral("No summary.") : qs(m.summary));
    w.pageBreak();
    drawMethod(w, m);
    w.pageBreak();
    std::vector<std::string> figures;
    drawFigures(w, m, figures);
    w.pageBreak();
    drawNeurons(w, m);
    w.pageBreak();
    drawComparison(w, m);
    w.pageBreak();
    drawReproduction(w, m);
    painter.end();
    return {w.page(), w.sections(), w.figures()};
}


// A PDF string as UTF-16BE hex with its byte-order mark, which every reader takes for any text.
QByteArray pdfText(const QString& s) {
    QByteArray out = "<FEFF";
    for (QChar c : s) out += QByteArray::number(c.unicode(), 16).rightJustified(4, '0').toUpper();
    return out + ">";
}

// Qt 6.4's QPdfWriter writes only Title and Creator (and Producer, CreationDate) into the document
// information dictionary. Author and Subject are added by an incremental update, the PDF's own way
// of amending a file (ISO 32000-1, 7.5.6): a new information dictionary, a one-entry cross-reference
// section and a trailer pointing back at the previous one. The old dictionary's Producer and
// CreationDate are kept. Returns the PDF unchanged when its trailer is not the plain kind Qt writes.
QByteArray withInfo(const QByteArray& pdf, const QString& title, const QString& author, const QString& subject, const QString& creator) {
    const int startxref = pdf.lastIndexOf("startxref");
    const int trailerAt = pdf.lastIndexOf("trailer");
    if (startxref < 0 || trailerAt < 0 || trailerAt > startxref) return pdf;
    const QByteArray tail = pdf.mid(startxref + 9).trimmed();
    const qint64 prevXref = tail.left(tail.indexOf('\n') < 0 ? tail.size() : tail.indexOf('\n')).trimmed().toLongLong();
    const QString trailer = QString::fromLatin1(pdf.mid(trailerAt, startxref - trailerAt));
    const auto size = QRegularExpression(QStringLiteral("/Size\\s+(\\d+)")).match(trailer);
    const auto root = QRegularExpression(QStringLiteral("/Root\\s+(\\d+\\s+\\d+\\s+R)")).match(trailer);
    const auto info = QRegularExpression(QStringLiteral("/Info\\s+(\\d+)\\s+\\d+\\s+R")).match(trailer);
    const auto id = QRegularExpression(QStringLiteral("/ID\\s*(\\[[^\\]]*\\])")).match(trailer);
    if (!size.hasMatch() || !root.hasMatch() || prevXref <= 0) return pdf;
    QByteArray kept;
    if (info.hasMatch()) {
        const int at = pdf.indexOf("\n" + info.captured(1).toLatin1() + " 0 obj");
        const int end = at < 0 ? -1 : pdf.indexOf("endobj", at);
        if (end > at)
            for (const QByteArray& line : pdf.mid(at, end - at).split('\n'))
                if (line.startsWith("/Producer") || line.startsWith("/CreationDate")) kept += line + "\n";
    }
    const int object = size.captured(1).toInt();
    QByteArray out = pdf;
    if (!out.endsWith('\n')) out += '\n';
    const qint64 objectAt = out.size();
    out += QByteArray::number(object) + " 0 obj\n<<\n/Title " + pdfText(title) + "\n/Author " + pdfText(author) + "\n/Subject " +
           pdfText(subject) + "\n/Creator " + pdfText(creator) + "\n" + kept + ">>\nendobj\n";
    const qint64 xrefAt = out.size();
    out += "xref\n" + QByteArray::number(object) + " 1\n" + QByteArray::number(objectAt).rightJustified(10, '0') + " 00000 n \n";
    out += "trailer\n<<\n/Size " + QByteArray::number(object + 1) + "\n/Root " + root.captured(1).toLatin1() + "\n/Info " +
           QByteArray::number(object) + " 0 R\n";
    if (id.hasMatch()) out += "/ID " + id.captured(1).toLatin1() + "\n";
    out += "/Prev " + QByteArray::number(prevXref) + "\n>>\nstartxref\n" + QByteArray::number(xrefAt) + "\n%%EOF\n";
    return out;
}

}  // namespace

PdfInfo writeReportPdf(const study::ReportModel& model, const std::string& path, const PdfOptions& options) {
    const QString creator = QStringLiteral("Prominence %1").arg(qs(model.prominenceVersion));
    auto setup = [&](QPdfWriter& pdf) {
        pdf.setResolution(kResolution);
        pdf.setPageSize(QPageSize(options.paper == Paper::Letter ? QPageSize::Letter : QPageSize::A4));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setTitle(qs(model.title));
        pdf.setCreator(creator);
    };
    // First pass into memory: the page of every section and the page count.
    QBuffer scratch;
    scratch.open(QIODevice::WriteOnly);
    PassResult first;
    {
        QPdfWriter pdf(&scratch);
        setup(pdf);
        first = drawReport(pdf, model, true, 0, {});
    }
    QBuffer out;
    out.open(QIODevice::WriteOnly);
    PassResult second;
    {
        QPdfWriter pdf(&out);
        setup(pdf);
        second = drawReport(pdf, model, false, first.pages, first.sections);
    }
    const QByteArray bytes =
        withInfo(out.data(), qs(model.title), QStringLiteral("Prominence"),
                 QStringLiteral("Prominence report: %1 run %2").arg(qs(model.studyKind)).arg(model.studyRunId), creator);
    QFile file(qs(path));
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        throw StorageError("report: cannot write " + path + ": " + file.errorString().toStdString());
    if (file.write(bytes) != bytes.size() || !file.flush())
        throw StorageError("report: writing " + path + " failed: " + file.errorString().toStdString());
    file.close();
    PdfInfo info;
    info.pages = second.pages;
    info.figures = second.figures;
    for (const auto& [s, page] : second.sections)
        if (s.level == 0) info.contents.emplace_back(s.title.toStdString(), page);
    return info;
}

}  // namespace prominence::ui::report
