// layers.hpp — the layers of the transformer, each a small struct of named weight views with a
// `declare` function and a forward: Linear, Embedding, Norm, CausalSelfAttention, FeedForward
// and Block (src/nn/layers.cpp, src/nn/attention.cpp, src/nn/ffn.cpp, src/nn/model.cpp).
// model.hpp puts them together.
//
// Lesson 11 · the transformer block and the model
#pragma once

#include "glulab/autograd/autograd.hpp"
#include "glulab/core/params.hpp"
#include "glulab/nn/config.hpp"
#include "glulab/platform/rng.hpp"

#include <cstdint>
#include <string>

namespace glulab {

// Layers
// ------
// Each holds Tensor views into the ParamStore (shapes in the comments) and has a `declare` that
// adds them under a dotted name prefix: "blocks.0.attn.qkv" declares "blocks.0.attn.qkv.weight".

// y (..., out) = x (..., in) W^T (+ b), W stored (out, in) as in PyTorch's nn.Linear.
// Weight decay: on W, not on b.
// How finely a simulated int8 quantization picks its scales (nn/quantize.hpp): not at all, one
// scale for the whole tensor, or one per row (a weight's output channel, an input's token).
enum class Quant { none, tensor, row };

struct Linear {
    Tensor weight;  // (out, in), e.g. (384, 128) for attn.qkv
    Tensor bias;    // (out); empty (no memory) unless declared with_bias
    Quant input_quant = Quant::none;  // simulated int8 inputs (glulab eval --quantize w8a8); none in training

    void declare(ParamStore& ps, const std::string& name, int in, int out, bool with_bias = false);
    Tensor operator()(Tape& tape, Tensor x) const;
};

// out (B, T, C) = weight[ids (B, T)]. No weight decay.
struct Embedding {
    Tensor weight;  // (V, C) for wte, (T, C) for wpe

    void declare(ParamStore& ps, const std::string& name, int count, int dim);
    Tensor operator()(Tape& tape, const int* ids, Shape ids_shape) const;
};

// Per row, by kind (NormKind):
//     rmsnorm:    out = x / sqrt(mean(x^2) + eps) * weight                  no bias
//     layernorm:  out = (x - mean(x)) / sqrt(var(x) + eps) * weight + bias
// Gain initialised to 1, bias to 0, no decay on either.
struct Norm {
    NormKind kind = NormKind::rmsnorm;
    Tensor weight;       // (C), the gain g
    Tensor bias;         // (C), the shift b; layernorm only, else empty (no memory)
    float eps = 1e-5f;   // e.g. 1e-5

    void declare(ParamStore& ps, const std::string& name, NormKind kind, int dim);
    Tensor operator()(Tape& tape, Tensor x) const;
};

// Causal multi-head self-attention: one fused projection to q, k, v (in that order along the
// last axis), the attention op (autograd.hpp → attention), and the output projection.
//     qkv = x Wqkv^T (B, T, 3C);  y = attention(qkv, NH) (B, T, C);  out = y Wproj^T (B, T, C)
struct CausalSelfAttention {
    Linear qkv;     // weight (3C, C): rows [0, C) make q, [C, 2C) k, [2C, 3C) v
    Linear proj;    // weight (C, C), a residual output projection (smaller init)
    int heads = 0;  // NH

    // qkv(x) (B, T, 3C) of the most recent forward: a view into the tape's arena, valid until
    // that tape's reset(), like FeedForward::up_gate_out. Stability telemetry reads it right
    // after a forward for the largest attention logit q.k / sqrt(HS).
    Tensor qkv_out;

    void declare(ParamStore& ps, const std::string& name, int C, int NH);
    Tensor operator()(Tape& tape, Tensor x);  // sets qkv_out
};

// The position-wise feed-forward layer, x (B, T, C) -> (B, T, C):
//     plain:  down(act(up(x)))
//     gated:  down(act(gate(x)) * up(x))      one product for up and gate, then the fused glu op
//                                             (autograd.hpp → glu)
struct FeedForward {
    FfnKind kind = FfnKind::relu;
    Linear up;       // weight (H, C), the plain projection
    Linear gate;     // weight (H, C), the activated projection; gated kinds only, else empty
    Linear up_gate;  // gated kinds: weight (2H, C) = up's rows, then gate's: one view of both
                     // (they are adjacent in the ParamStore), not a parameter of its own
    Linear down;     // weight (C, H), a residual output projection (smaller init)

    // Gated kinds: up_gate(x) (B, T, 2H) of the most recent forward, each row [x Wup^T (H) |
    // x Wgate^T (H)]; columns [H, 2H) are the gate pre-activation, the input of act. A view
    // into the tape's arena, not a copy: valid until that tape's reset(), then stale. Empty
    // (data == nullptr) before the first forward and for plain kinds. Gate telemetry reads it
    // right after a forward, e.g. a histogram of act(gate).
    Tensor up_gate_out;
    // x (B, T, C), the layer's input (the norm's output), and h (B, T, H), its hidden vector
    // (act(x Wup^T) plain, act(gate) * up gated), of the most recent forward: views like
    // up_gate_out, which activation telemetry reads (experiment/activations.hpp).
    Tensor input_out, hidden_out;

    void declare(ParamStore& ps, const std::string& name, FfnKind kind, int C, int H);
    Tensor operator()(Tape& tape, Tensor x);  // sets input_out, hidden_out, up_gate_out
};

// One pre-norm transformer block. With dropout p > 0 (training only, see Transformer):
//     x = x + dropout(attn(attn_norm(x)));  x = x + dropout(ffn(ffn_norm(x)))
struct Block {
    Norm attn_norm;            // weight (C), and bias (C) for layernorm
    CausalSelfAttention attn;  // qkv (3C, C), proj (C, C)
    Norm ffn_norm;             // weight (C), and bias (C) for layernorm
    FeedForward ffn;           // up (H, C), gate (H, C) if gated, down (C, H)
    Tensor residual_out;       // x (B, T, C) after the block, of the most recent forward (a view)

    void declare(ParamStore& ps, const std::string& name, const ModelConfig& cfg);
    // dropout_p = 0 adds no dropout; otherwise each dropout draws its seed from `seeds`, and
    // x (B, T, C) starts at element `first` of the global batch (Transformer::train).
    Tensor operator()(Tape& tape, Tensor x, float dropout_p, Rng& seeds, int64_t first = 0);
};

}  // namespace glulab
