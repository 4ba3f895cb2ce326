#pragma once
// The fine-tune job's live loss curve: training loss per optimiser step and, where a validation set is
// evaluated, validation loss at its steps, as the trainer reports them (QCustomPlot behind this API).
#include <QString>
#include <QWidget>

#include <cstdint>
#include <utility>
#include <vector>

class QCustomPlot;
class QCPGraph;

namespace prominence::ui {

class LossPlot : public QWidget {
    Q_OBJECT
public:
    explicit LossPlot(QWidget* parent = nullptr);

    void clear();
    void addStep(std::int64_t step, double loss);
    void addValidation(std::int64_t step, double loss);
    // The points as received and drawn (tests): (step, loss).
    std::vector<std::pair<std::int64_t, double>> steps() const;
    std::vector<std::pair<std::int64_t, double>> validation() const;
    bool saveFigure(const QString& path, QString* error = nullptr);

private:
    void rescale();

    QCustomPlot* plot_ = nullptr;
    QCPGraph* train_ = nullptr;
    QCPGraph* val_ = nullptr;
};

}  // namespace prominence::ui
