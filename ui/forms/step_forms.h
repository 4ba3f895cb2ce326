#pragma once
// The steps' forms: which exist, and making one by name. Each is a StepForm that fills a core/study
// parameter struct and runs the study function as a job.
#include <QString>
#include <QVector>

#include "ui/forms/step_form.h"

namespace prominence::ui {

struct FormInfo {
    QString name;      // add-model, add-benchmark, eval, select, attribute, prune, finetune, compare, export, pipeline, demo
    QString menuText;  // Steps menu entry
    QString tooltip;
};

// In the order of the method.
const QVector<FormInfo>& stepForms();
// nullptr for an unknown name.
StepForm* createStepForm(const QString& name, MainWindow* window);
// The job that resumes a cancelled, failed or incomplete attribution run (the details page's Resume).
JobSpec resumeAttributionJob(const QString& workspacePath, qint64 runId);

// Forms, one file each.
StepForm* makeAddModelForm(MainWindow* window);
StepForm* makeAddBenchmarkForm(MainWindow* window);
StepForm* makeEvalForm(MainWindow* window);
StepForm* makeSelectForm(MainWindow* window);
StepForm* makeAttributeForm(MainWindow* window);
StepForm* makeMethodForm(const QString& name, MainWindow* window);  // prune, finetune, compare, export, pipeline, demo

}  // namespace prominence::ui
