// attention.cpp — the causal self-attention layer: fused qkv projection, attention, output
// projection.
//
// Contains: CausalSelfAttention::declare and its forward. Leaves out: the attention kernel
// itself (src/ops/attention.cpp → attention_forward: scores, causal mask, softmax, weighted sum).
//
// Lesson 10 · embeddings and attention
#include "glulab/nn/model.hpp"

namespace glulab {

// CausalSelfAttention
// -------------------
// qkv (3C, C) is the three projections Wq, Wk, Wv stacked along the output axis, so one matmul
// makes all three: output channels [0, C) are q, [C, 2C) are k, [2C, 3C) are v. Within each,
// head h owns channels [h HS, (h+1) HS). In PyTorch terms:
//     q, k, v = (x @ Wqkv.T).split(C, dim=-1)
// and each is viewed (B, T, NH, HS) and transposed to (B, NH, T, HS).
void CausalSelfAttention::declare(ParamStore& ps, const std::string& name, int C, int NH) {
    heads = NH;
    qkv.declare(ps, name + ".qkv", C, 3 * C);
    proj.declare(ps, name + ".proj", C, C);
}

// forward
// -------
// x (B, T, C) -> (B, T, C):
//
//     qkv = x Wqkv^T                                         (B, T, 3C)
//     y_h = softmax(q_h k_h^T / sqrt(HS) + causal mask) v_h   (B, T, HS) for each head h
//     y   = [y_0 ... y_{NH-1}]                               (B, T, C), heads side by side
//     out = y Wproj^T                                        (B, T, C)
//
// The attention op takes the fused (B, T, 3C) tensor directly, so q, k and v are never copied
// out of it.
Tensor CausalSelfAttention::operator()(Tape& tape, Tensor x) {
    qkv_out = qkv(tape, x);                      // (B, T, 3C), kept for stability telemetry
    Tensor y = attention(tape, qkv_out, heads);  // (B, T, C)
    return proj(tape, y);                        // (B, T, C)
}

}  // namespace glulab
