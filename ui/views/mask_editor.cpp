#include "ui/views/mask_editor.h"

namespace prominence::ui {

namespace {

nlohmann::json listJson(const std::set<NeuronKey>& s) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [l, n] : s) out.push_back({l, n});
    return out;
}

}  // namespace

// One edit: the neurons it actually added and removed (not the ones it asked for that were already
// there or absent), so undo puts back exactly the mask before it.
class MaskEdit : public QUndoCommand {
public:
    MaskEdit(MaskEditor* editor, const QString& text, std::set<NeuronKey> add, std::set<NeuronKey> remove, nlohmann::json entry)
        : QUndoCommand(text), editor_(editor), add_(std::move(add)), remove_(std::move(remove)), entry_(std::move(entry)) {}

    void redo() override {
        editor_->apply(add_, remove_);
        editor_->log_.push_back(entry_);
    }
    void undo() override {
        editor_->apply(remove_, add_);
        editor_->log_.pop_back();
    }

private:
    MaskEditor* editor_;
    std::set<NeuronKey> add_, remove_;
    nlohmann::json entry_;
};

MaskEditor::MaskEditor(QObject* parent) : QObject(parent) {}

nlohmann::json MaskEditor::edits() const { return nlohmann::json(log_); }

void MaskEditor::apply(const std::set<NeuronKey>& add, const std::set<NeuronKey>& remove) {
    for (const auto& k : remove) mask_.erase(k);
    for (const auto& k : add) mask_.insert(k);
    Q_EMIT changed();
}

void MaskEditor::edit(const QString& text, std::set<NeuronKey> add, std::set<NeuronKey> remove, nlohmann::json entry) {
    std::set<NeuronKey> added, removed;
    for (const auto& k : remove)
        if (mask_.count(k)) removed.insert(k);
    for (const auto& k : add)
        if (!mask_.count(k) || removed.count(k)) added.insert(k);
    for (const auto& k : added) removed.erase(k);
    if (added.empty() && removed.empty()) return;  // nothing changes: no undo step
    entry["added"] = listJson(added);
    entry["removed"] = listJson(removed);
    stack_.push(new MaskEdit(this, text, std::move(added), std::move(removed), std::move(entry)));
}

void MaskEditor::toggle(int layer, std::int64_t neuron) {
    const NeuronKey k{layer, neuron};
    const bool in = mask_.count(k) != 0;
    const QString text = QStringLiteral("%1 %2:%3").arg(in ? tr("Remove") : tr("Add")).arg(layer).arg(neuron);
    if (in) edit(text, {}, {k}, {{"op", "click"}});
    else edit(text, {k}, {}, {{"op", "click"}});
}

void MaskEditor::add(const std::set<NeuronKey>& neurons, const QString& what, const nlohmann::json& details) {
    nlohmann::json entry = details.is_object() ? details : nlohmann::json::object();
    entry["op"] = what.toStdString();
    edit(tr("Add %1 neurons (%2)").arg(neurons.size()).arg(what), neurons, {}, std::move(entry));
}

void MaskEditor::remove(const std::set<NeuronKey>& neurons, const QString& what, const nlohmann::json& details) {
    nlohmann::json entry = details.is_object() ? details : nlohmann::json::object();
    entry["op"] = what.toStdString();
    edit(tr("Remove %1 neurons (%2)").arg(neurons.size()).arg(what), {}, neurons, std::move(entry));
}

void MaskEditor::replace(const std::set<NeuronKey>& neurons, const QString& what, const nlohmann::json& details) {
    nlohmann::json entry = details.is_object() ? details : nlohmann::json::object();
    entry["op"] = what.toStdString();
    std::set<NeuronKey> gone;
    for (const auto& k : mask_)
        if (!neurons.count(k)) gone.insert(k);
    edit(tr("%1 (%2 neurons)").arg(what).arg(neurons.size()), neurons, gone, std::move(entry));
}

}  // namespace prominence::ui
