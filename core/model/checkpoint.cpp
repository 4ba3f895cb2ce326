#include "core/model/checkpoint.h"

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/common/error.h"

namespace prominence {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> pickledFiles(const fs::path& dir) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const auto ext = entry.path().extension().string();
        if (ext == ".bin" || ext == ".pt" || ext == ".pth" || ext == ".ckpt") found.push_back(entry.path().filename().string());
    }
    std::sort(found.begin(), found.end());
    return found;
}

// A shard name from the index is untrusted: a bare file name, never a path out of the directory.
void checkShardName(const std::string& name, const std::string& index) {
    if (name.empty() || name.find('/') != std::string::npos || name.find('\\') != std::string::npos || name == "." ||
        name == "..")
        throw LoadError(index + ": weight_map names '" + name + "', which is not a plain file name in the checkpoint directory");
}

}  // namespace

CheckpointFiles CheckpointFiles::open(const std::string& dirText) {
    const fs::path dir(dirText);
    if (!fs::is_directory(dir)) throw LoadError(dirText + ": not a directory");
    CheckpointFiles c;
    c.dir_ = dirText;
    const fs::path single = dir / "model.safetensors";
    const fs::path index = dir / "model.safetensors.index.json";

    if (fs::exists(single)) {
        c.files_.push_back(SafetensorsFile::open(single.string()));
        for (const auto& e : c.files_.back()->entries()) c.where_[e.name] = c.files_.back().get();
        return c;
    }
    if (!fs::exists(index)) {
        const auto pickled = pickledFiles(dir);
        if (!pickled.empty())
            throw LoadError(dirText + ": holds only pickled PyTorch weights (" + pickled.front() +
                            (pickled.size() > 1 ? ", ..." : "") +
                            "); Prominence loads safetensors only, because unpickling can run arbitrary code. "
                            "Convert the checkpoint with transformers: "
                            "AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out, safe_serialization=True)");
        throw LoadError(dirText + ": no model.safetensors or model.safetensors.index.json");
    }

    c.indexed_ = true;
    const std::string indexPath = index.string();
    nlohmann::json json;
    {
        std::ifstream in(index, std::ios::binary);
        if (!in) throw LoadError(indexPath + ": cannot open");
        try {
            json = nlohmann::json::parse(in);
        } catch (const nlohmann::json::exception& e) {
            throw LoadError(indexPath + ": not valid JSON: " + e.what());
        }
    }
    if (!json.is_object() || !json.contains("weight_map") || !json["weight_map"].is_object())
        throw LoadError(indexPath + ": no 'weight_map' object");

    std::map<std::string, std::shared_ptr<const SafetensorsFile>> shards;
    std::map<std::string, std::string> wanted;  // tensor -> shard file name
    for (const auto& [tensor, file] : json["weight_map"].items()) {
        if (!file.is_string()) throw LoadError(indexPath + ": weight_map entry '" + tensor + "' is not a file name");
        const std::string name = file.get<std::string>();
        checkShardName(name, indexPath);
        wanted[tensor] = name;
        if (shards.count(name)) continue;
        const fs::path shardPath = dir / name;
        if (!fs::exists(shardPath))
            throw LoadError(indexPath + ": shard '" + name + "' (holding tensor '" + tensor + "') is missing from " + dirText);
        shards[name] = SafetensorsFile::open(shardPath.string());
    }
    for (const auto& [name, file] : shards) {
        c.files_.push_back(file);
        for (const auto& e : file->entries()) {
            auto it = wanted.find(e.name);
            if (it == wanted.end())
                throw LoadError(file->path() + ": tensor '" + e.name + "' is not listed in " + indexPath);
            if (it->second != name)
                throw LoadError(file->path() + ": tensor '" + e.name + "' is listed in " + indexPath + " under shard '" +
                                it->second + "'");
            c.where_[e.name] = file.get();
        }
    }
    for (const auto& [tensor, name] : wanted)
        if (!c.where_.count(tensor))
            throw LoadError(indexPath + ": tensor '" + tensor + "' is listed in shard '" + name + "', which does not hold it");
    return c;
}

std::vector<std::string> CheckpointFiles::tensorNames() const {
    std::vector<std::string> names;
    for (const auto& [name, file] : where_) names.push_back(name);
    return names;
}

const SafetensorsEntry& CheckpointFiles::entry(const std::string& name) const {
    auto it = where_.find(name);
    if (it == where_.end()) throw LoadError(dir_ + ": no tensor '" + name + "'");
    return *it->second->find(name);
}

const std::string& CheckpointFiles::fileOf(const std::string& name) const {
    auto it = where_.find(name);
    if (it == where_.end()) throw LoadError(dir_ + ": no tensor '" + name + "'");
    return it->second->path();
}

at::Tensor CheckpointFiles::tensor(const std::string& name) const {
    auto it = where_.find(name);
    if (it == where_.end()) throw LoadError(dir_ + ": no tensor '" + name + "'");
    return it->second->tensor(name);
}

}  // namespace prominence
