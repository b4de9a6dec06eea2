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

// One mitigation, measured by `glulab eval --quantize SCHEME --smooth`: move the size of the
// FFN's hidden channels from the activations into the down projection before quantizing. With
// a_j = max |h_j| over calibration text and w_j = max_i |W_down[i, j]| (SmoothQuant's rule with
// alpha = 1/2, Xiao et al. 2023), each hidden channel is divided by m_j = sqrt(a_j / w_j) and
// column j of W_down multiplied by it, so the product is unchanged in float:
//     gated:  h_j = act(g_j) * u_j, and u_j is linear in row j of W_up: divide that row by m_j
//     relu:   relu(z / m) = relu(z) / m for m > 0: divide row j of W_up by m_j
// GELU and Swish are not homogeneous, so plain gelu and swish models are left as they are
// (the function returns 0 for them). The hidden vector's outliers shrink, W_down's columns
// grow, and both then share their size more evenly before int8 (the input of ffn.down, and its
// weight, per scheme). `ids` are the calibration text's ids; the first `windows` windows of
// T + 1 go through the model. Returns the layers smoothed.
int smooth_ffn_hidden(Transformer& model, const std::vector<int>& ids, int windows);
// Whether smooth_ffn_hidden changes a model of this kind: relu and the gated kinds.
bool ffn_smoothable(FfnKind kind);

}  // namespace glulab
