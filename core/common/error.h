#pragma once
// The one error hierarchy of core. Messages name the file, line, key or tensor at fault and say what
// was expected; the GUI and the CLI turn them into text only at their boundary.
#include <stdexcept>
#include <string>

namespace prominence {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A file could not be opened or read as the format it claims to be (safetensors, config.json, ...).
class LoadError : public Error {
public:
    using Error::Error;
};

// A tensor or array has a shape other than the one the model or caller requires.
class ShapeError : public Error {
public:
    using Error::Error;
};

// Text input (JSON, JSONL, CSV, tokenizer.json) does not follow its format.
class FormatError : public Error {
public:
    using Error::Error;
};

// The workspace database or an output file could not be written or read back.
class StorageError : public Error {
public:
    using Error::Error;
};

// A caller passed a parameter outside its documented range; the message echoes the bad value.
class InvalidArgument : public Error {
public:
    using Error::Error;
};

// A long job stopped because its cancel flag was raised. Not a failure: callers keep finished work.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

}  // namespace prominence
