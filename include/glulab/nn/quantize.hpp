// quantize.hpp — a trained model with int8 weights and int8 inputs, simulated in float.
//
// `glulab eval --quantize SCHEME` measures what int8 costs a checkpoint: the loss before and
// after. Each weight matrix of the model (every Linear: attn.qkv, attn.proj, ffn.up, ffn.gate,
// ffn.down, lm_head) is quantized to int8 and back in place, with one scale per tensor or per
// output channel (a row of the weight); with "a8", the input of every Linear is quantized too,
// at run time, with one scale per tensor or per token (Linear::input_quant). The rounding itself
// is ops.hpp → fake_quant_forward: symmetric, absmax scale. The embeddings and the norms stay
// float, as they do in most int8 deployments.
//
//   w8           weights, a scale per tensor
//   w8-channel   weights, a scale per output channel
//   w8a8         weights and inputs, a scale per tensor each
//   w8a8-token   weights per output channel, inputs per token
//
// Lesson 16 · outliers and quantization
#pragma once

#include "glulab/nn/model.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace glulab {

struct QuantScheme {
    Quant weights = Quant::none;  // e.g. Quant::row
    Quant inputs = Quant::none;   // e.g. Quant::tensor
};
// One of the names above; another throws glulab::Error listing them.
QuantScheme parse_quant_scheme(std::string_view name);
std::string quant_scheme_names();  // "w8, w8-channel, w8a8, w8a8-token"

// The names of the model's weight matrices, in declaration order, e.g. "blocks.2.ffn.down".
std::vector<std::string> quantizable_matrices(const Transformer& model);
// Quantize the model's matrices by `scheme`: every one, or only the one named `only` (a name of
// quantizable_matrices; another throws, listing them). Returns the names quantized.
std::vector<std::string> quantize_model(Transformer& model, const QuantScheme& scheme, std::string_view only = "");

}  // namespace glulab
