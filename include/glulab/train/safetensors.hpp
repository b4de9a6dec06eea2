// safetensors.hpp — reading and writing named tensors in the safetensors format.
//
// A safetensors file is three parts, back to back (docs/checkpoint-format.md draws it):
//
//     [8 bytes]  N, the header length, unsigned 64-bit little-endian
//     [N bytes]  a JSON object, padded with spaces to a multiple of 8 bytes:
//                  {"__metadata__": {"config": "..."},
//                   "wte.weight": {"dtype": "F32", "shape": [65, 128], "data_offsets": [0, 33280]},
//                   ...}
//     [rest]     the data: every tensor's raw little-endian bytes; data_offsets count from here
//
// PyTorch, NumPy and most model hubs read it, and it holds nothing but numbers and strings, so
// loading a file can never run code. glulab's checkpoints (model.safetensors,
// optimizer.safetensors) and the PyTorch cross-check's reference files use it.
//
// This file is the generic layer: a list of named tensors and a string-to-string metadata map
// in, the same out. Which tensors a checkpoint holds and what the metadata means is the
// checkpoint layer's business. Leaves out: dtypes other than F32 and I32, memory mapping
// (tensors are copied into owned vectors), and scalar (rank 0) or rank > 4 tensors, which
// glulab's Shape cannot describe.
//
// Lesson 12 · training
#pragma once

#include "glulab/core/tensor.hpp"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace glulab {

// The element types glulab reads and writes: "F32" (float), "I32" (int32_t) and "I8" (int8_t,
// the weights of an int8 checkpoint, checkpoint.hpp → save_model_int8).
enum class DType { F32, I32, I8 };
const char* dtype_name(DType dtype);  // "F32", "I32", "I8"
size_t dtype_size(DType dtype);       // bytes per element: 4, 4, 1

// SafetensorsEntry
// ----------------
// One tensor to write: a name, a shape and a pointer to numel() elements that the caller keeps
// alive until safetensors_write returns. The constructor picks the dtype from the pointer type.
struct SafetensorsEntry {
    std::string name;         // e.g. "blocks.0.attn.qkv.weight"
    Shape shape;              // e.g. (384, 128)
    DType dtype = DType::F32;
    const void* data = nullptr;

    SafetensorsEntry(std::string name, Shape shape, const float* data);
    SafetensorsEntry(std::string name, Shape shape, const int32_t* data);
    SafetensorsEntry(std::string name, Shape shape, const int8_t* data);
};

using SafetensorsMetadata = std::map<std::string, std::string>;

// Writes the tensors, in the given order, and the metadata (as "__metadata__") to `path`,
// atomically (platform/files.hpp → write_file_atomic): a crash leaves either the old file or
// the new one, never half of one.
void safetensors_write(const std::string& path, const std::vector<SafetensorsEntry>& tensors,
                       const SafetensorsMetadata& metadata = {});
// What safetensors_write writes, for a caller that replaces several files in its own order
// through platform/files.hpp → write_file_temp (checkpoint.hpp → save_checkpoint). Checks the
// entries first (throws naming `path`); the returned function writes the bytes into an open
// file. The tensors' data must stay alive until it has run.
std::function<bool(std::FILE*)> safetensors_fill(const std::string& path,
                                                 const std::vector<SafetensorsEntry>& tensors,
                                                 const SafetensorsMetadata& metadata = {});

// SafetensorsTensor
// -----------------
// One tensor read from a file, its values copied into owned storage: `f32` when dtype is F32,
// `i32` when it is I32, `i8` when it is I8 (the others stay empty).
struct SafetensorsTensor {
    std::string name;
    DType dtype = DType::F32;
    Shape shape;
    std::vector<float> f32;    // numel() values when dtype == F32
    std::vector<int32_t> i32;  // numel() values when dtype == I32
    std::vector<int8_t> i8;    // numel() values when dtype == I8

    int64_t numel() const { return shape.numel(); }
};

// SafetensorsFile
// ---------------
// Everything in one file: the metadata and the tensors in the order of their data.
struct SafetensorsFile {
    std::string path;  // where it was read from, for error messages
    SafetensorsMetadata metadata;
    std::vector<SafetensorsTensor> tensors;

    // The tensor called `name`, or nullptr.
    const SafetensorsTensor* find(const std::string& name) const;
    // The tensor called `name`; throws glulab::Error naming the file if there is none.
    const SafetensorsTensor& at(const std::string& name) const;
    // The values of an F32 tensor `name` of exactly `shape`; throws if it is missing, not F32
    // or has another shape. The usual way a checkpoint loader fetches a parameter.
    const std::vector<float>& f32(const std::string& name, Shape shape) const;
    // The same for an I32 tensor, and for an I8 one.
    const std::vector<int32_t>& i32(const std::string& name, Shape shape) const;
    const std::vector<int8_t>& i8(const std::string& name, Shape shape) const;
    // The tensor `name`, which must have `dtype` and `shape` (throws otherwise): what the three
    // above share.
    const SafetensorsTensor& typed(const std::string& name, Shape shape, DType dtype) const;
    // The value of metadata key `key`; throws if it is missing.
    const std::string& meta(const std::string& key) const;
};

// Reads and validates a whole file. Throws glulab::Error, with the path and what is wrong, for
// a missing or truncated file, a header that is not a JSON object or does not fit the file, an
// entry without dtype / shape / data_offsets, an unsupported dtype, a shape that does not match
// its byte range, a byte range outside the data or overlapping another, and metadata values
// that are not strings.
SafetensorsFile safetensors_read(const std::string& path);

}  // namespace glulab
