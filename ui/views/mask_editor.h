#pragma once
// The mask being built on the heatmap: a set of (layer, neuron) edited by clicks, rectangles, policy
// merges and loads, every edit a QUndoCommand (undo restores the exact previous mask), and the ordered
// list of edits that stands in the saved mask's provenance.
#include <QObject>
#include <QUndoStack>

#include <set>

#include <nlohmann/json.hpp>

#include "ui/views/heatmap_plot.h"

namespace prominence::ui {

class MaskEditor : public QObject {
    Q_OBJECT
public:
    explicit MaskEditor(QObject* parent = nullptr);

    const std::set<NeuronKey>& mask() const { return mask_; }
    QUndoStack* undoStack() { return &stack_; }
    // Every applied edit, oldest first: {"op", "added": [[l, n]...], "removed": [...], and what the op
    // names (policy parameters, the loaded mask's id)}. Undone edits are not in it.
    nlohmann::json edits() const;

    void toggle(int layer, std::int64_t neuron);
    void add(const std::set<NeuronKey>& neurons, const QString& what, const nlohmann::json& details = {});
    void remove(const std::set<NeuronKey>& neurons, const QString& what, const nlohmann::json& details = {});
    // Replaces the whole mask (opening a stored one), as one undoable step.
    void replace(const std::set<NeuronKey>& neurons, const QString& what, const nlohmann::json& details = {});
    bool modified() const { return !stack_.isClean(); }
    void markSaved() { stack_.setClean(); }

Q_SIGNALS:
    void changed();

private:
    friend class MaskEdit;
    void apply(const std::set<NeuronKey>& add, const std::set<NeuronKey>& remove);
    void edit(const QString& text, std::set<NeuronKey> add, std::set<NeuronKey> remove, nlohmann::json entry);

    std::set<NeuronKey> mask_;
    std::vector<nlohmann::json> log_;
    QUndoStack stack_;
};

}  // namespace prominence::ui
