// checkpoint.hpp — saving and loading a model, its vocabulary and its optimizer state.
//
// A run directory holds two safetensors files (docs/checkpoint-format.md):
//   model.safetensors      every parameter under its dotted name; `__metadata__` holds
//                          `config` (the ModelConfig as JSON) and `vocab` (a JSON array of the
//                          vocabulary's characters in id order)
//   optimizer.safetensors  AdamW's moments as `m.<name>` and `v.<name>`; `__metadata__` holds
//                          `step` (how many steps were taken)
// Both carry the step they were saved at (metadata `step`) and a `format`. Both are written to
// a temporary name and renamed (platform/files.hpp), so a crash never leaves a half-written file;
// save_checkpoint orders the renames so that a crash never leaves an unresolvable pair either.
// Loading checks, before anything is allocated or copied, the format, the config's sizes
// against their bounds (ModelLimits), and every tensor's name, dtype and shape against the
// parameters the config declares; it rejects tensors the model does not have
// (docs/checkpoint-format.md lists the checks in order).
//
// Lesson 12 · training
#pragma once

#include "glulab/train/data.hpp"
#include "glulab/nn/model.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace glulab {

// ModelConfig <-> JSON: {"vocab_size": 65, "ctx": 64, ..., "ffn": "swiglu", "d_ff": 344, ...}.
// d_ff is written resolved (the H the model really has), so a reader needs no rounding rule.
std::string model_config_to_json(const ModelConfig& cfg);
// Validates: every size an integer within ModelLimits (no wrapping), then cfg.validate();
// throws glulab::Error naming `where` (the file) and the field. Both are defined in json_io.cpp
// (json_io.hpp), with every other JSON glulab reads or writes.
ModelConfig model_config_from_json(const std::string& json, const std::string& where = "config");

// `step`: the training step the weights belong to (metadata `step`; 0 for an untrained model).
void save_model(const std::string& path, const Transformer& model, const Vocab& vocab, int step = 0);

// An int8 checkpoint (`glulab quantize`): the same file but for the weight matrices of every
// Linear (nn/quantize.hpp → quantizable_matrices), each stored as I8 integers q (out, in) with
// F32 scales `<name>.scale` (out), one per output channel, so that weight = q * scale row by
// row (symmetric, absmax: ops.hpp → quant_scales). Format "glulab-model-int8-1". load_model
// reads both kinds, dequantizing at load; it refuses an I8 tensor that is not such a matrix,
// a scale that is missing, not finite or not positive, and an integer outside [-127, 127].
void save_model_int8(const std::string& path, const Transformer& model, const Vocab& vocab, int step = 0);

struct LoadedModel {
    std::unique_ptr<Transformer> model;
    Vocab vocab;
};
LoadedModel load_model(const std::string& path);

// AdamW's m and v for every parameter, and the number of steps taken.
void save_optimizer(const std::string& path, const ParamStore& params, int step);
int load_optimizer(const std::string& path, ParamStore& params);  // returns the step

// The pair a run directory holds (model.safetensors, optimizer.safetensors) as one state:
// save_checkpoint writes both as temporaries, then renames the optimizer's, then the model's.
// load_checkpoint reads both, finishes a save a crash stopped between its renames, refuses a
// pair of two steps, checks `vocab` (the characters of the text file `data`, named in the
// error), the model against `model`'s config tensor by tensor and the pair against the run's
// config.json, and only then copies weights and moments into `model`. Returns the step.
void save_checkpoint(const std::string& dir, const Transformer& model, const Vocab& vocab, int step);
int load_checkpoint(const std::string& dir, Transformer& model, const Vocab& vocab,
                    const std::string& data = "the training text");

}  // namespace glulab
