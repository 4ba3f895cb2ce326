#pragma once
// The weight files of an HF checkpoint directory: model.safetensors, or shards listed by
// model.safetensors.index.json. Pickled .bin/.pt files are never opened: unpickling runs code.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/model/safetensors.h"

namespace prominence {

class CheckpointFiles {
public:
    // Throws LoadError: no weights, only pickled weights, bad index, missing shard, a tensor in
    // two files, index and shard disagreeing.
    static CheckpointFiles open(const std::string& dir);

    const std::string& dir() const { return dir_; }
    std::vector<std::string> tensorNames() const;  // sorted
    const SafetensorsEntry& entry(const std::string& name) const;
    const std::string& fileOf(const std::string& name) const;
    at::Tensor tensor(const std::string& name) const;
    bool contains(const std::string& name) const { return where_.count(name) != 0; }
    bool sharded() const { return files_.size() > 1 || indexed_; }

private:
    std::string dir_;
    bool indexed_ = false;
    std::vector<std::shared_ptr<const SafetensorsFile>> files_;
    std::map<std::string, const SafetensorsFile*> where_;
};

}  // namespace prominence
