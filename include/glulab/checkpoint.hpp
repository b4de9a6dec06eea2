// checkpoint.hpp — saving and loading a model, its vocabulary and its optimizer state.
//
// A run directory holds two safetensors files (docs/checkpoint-format.md):
//   model.safetensors      every parameter under its dotted name; `__metadata__` holds
//                          `config` (the ModelConfig as JSON) and `vocab` (a JSON array of the
//                          vocabulary's characters in id order)
//   optimizer.safetensors  AdamW's moments as `m.<name>` and `v.<name>`; `__metadata__` holds
//                          `step` (how many steps were taken)
// Both are written to a temporary name and renamed (safetensors.hpp), so a crash never leaves a
// half-written checkpoint. Loading checks every tensor's presence, dtype and shape against the
// config, and rejects tensors the model does not have.
//
// Lesson 12 · training
#pragma once

#include "glulab/data.hpp"
#include "glulab/model.hpp"

#include <memory>
#include <string>

namespace glulab {

// ModelConfig <-> JSON: {"vocab_size": 65, "ctx": 64, ..., "ffn": "swiglu", "d_ff": 344, ...}.
// d_ff is written resolved (the H the model really has), so a reader needs no rounding rule.
std::string model_config_to_json(const ModelConfig& cfg);
ModelConfig model_config_from_json(const std::string& json);  // validates; throws on bad input

void save_model(const std::string& path, const Transformer& model, const Vocab& vocab);

struct LoadedModel {
    std::unique_ptr<Transformer> model;
    Vocab vocab;
};
LoadedModel load_model(const std::string& path);

// AdamW's m and v for every parameter, and the number of steps taken.
void save_optimizer(const std::string& path, const ParamStore& params, int step);
int load_optimizer(const std::string& path, ParamStore& params);  // returns the step

}  // namespace glulab
