#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "core/model/safetensors.h"

namespace prominence {

struct SafetensorsWriter::State {
    std::string path;
    std::string tmpPath;
    std::FILE* file = nullptr;
    std::vector<Declared> declared;
    std::size_t next = 0;
    bool finished = false;

    [[noreturn]] void fail(const std::string& what) const {
        throw StorageError("safetensors: cannot write " + path + ": " + what);
    }
    void writeBytes(const void* data, std::size_t n) {
        if (n && std::fwrite(data, 1, n, file) != n) fail(std::strerror(errno));
    }
};

namespace {

std::uint64_t byteSize(const SafetensorsWriter::Declared& d) {
    std::uint64_t n = c10::elementSize(d.dtype);
    for (auto s : d.shape) n *= static_cast<std::uint64_t>(s);
    return n;
}

}  // namespace

SafetensorsWriter::SafetensorsWriter(const std::string& path, std::vector<Declared> tensors,
                                     const std::map<std::string, std::string>& metadata)
    : state_(std::make_unique<State>()) {
    state_->path = path;
    state_->tmpPath = path + ".tmp";
    state_->declared = std::move(tensors);

    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::uint64_t offset = 0;
    for (const auto& d : state_->declared) {
        if (d.name == "__metadata__" || header.contains(d.name))
            throw InvalidArgument("safetensors: " + path + ": duplicate or reserved tensor name '" + d.name + "'");
        for (auto s : d.shape)
            if (s < 0) throw InvalidArgument("safetensors: " + path + ": tensor '" + d.name + "' has a negative dimension");
        const std::uint64_t n = byteSize(d);
        header[d.name] = {{"dtype", safetensorsDtypeName(d.dtype)},
                          {"shape", d.shape},
                          {"data_offsets", {offset, offset + n}}};
        offset += n;
    }
    std::string text = header.dump();
    // Pad with spaces so the data section starts 8-byte aligned, as the HF writer does.
    text.append((8 - text.size() % 8) % 8, ' ');

    state_->file = std::fopen(state_->tmpPath.c_str(), "wb");
    if (!state_->file) state_->fail(std::strerror(errno));
    unsigned char len[8];
    std::uint64_t n = text.size();
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>((n >> (8 * i)) & 0xff);
    state_->writeBytes(len, 8);
    state_->writeBytes(text.data(), text.size());
}

SafetensorsWriter::~SafetensorsWriter() {
    if (state_ && state_->file) {
        std::fclose(state_->file);
        std::remove(state_->tmpPath.c_str());
    }
}

void SafetensorsWriter::add(const at::Tensor& tensor) {
    State& s = *state_;
    if (s.next >= s.declared.size()) s.fail("more tensors added than declared");
    const Declared& d = s.declared[s.next];
    if (tensor.scalar_type() != d.dtype || tensor.sizes().vec() != d.shape) {
        std::ostringstream msg;
        msg << "tensor '" << d.name << "' is " << c10::toString(tensor.scalar_type()) << " " << tensor.sizes()
            << ", declared " << c10::toString(d.dtype) << " " << at::IntArrayRef(d.shape);
        s.fail(msg.str());
    }
    const at::Tensor cpu = tensor.detach().to(at::kCPU).contiguous();
    s.writeBytes(cpu.data_ptr(), byteSize(d));
    ++s.next;
}

void SafetensorsWriter::finish() {
    State& s = *state_;
    if (s.next != s.declared.size())
        s.fail(std::to_string(s.declared.size() - s.next) + " declared tensors were not added");
    if (std::fflush(s.file) != 0 || fsync(fileno(s.file)) != 0) s.fail(std::strerror(errno));
    if (std::fclose(s.file) != 0) {
        s.file = nullptr;
        s.fail(std::strerror(errno));
    }
    s.file = nullptr;
    if (std::rename(s.tmpPath.c_str(), s.path.c_str()) != 0) s.fail(std::strerror(errno));
    s.finished = true;
}

void writeSafetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    std::vector<SafetensorsWriter::Declared> declared;
    declared.reserve(tensors.size());
    for (const auto& t : tensors) {
        if (!t.tensor.defined()) throw InvalidArgument("safetensors: " + path + ": tensor '" + t.name + "' is undefined");
        declared.push_back({t.name, t.tensor.scalar_type(), t.tensor.sizes().vec()});
    }
    SafetensorsWriter writer(path, std::move(declared), metadata);
    for (const auto& t : tensors) writer.add(t.tensor);
    writer.finish();
}

}  // namespace prominence
