// autograd.hpp — differentiable ops on Tensors, recorded on a Tape.
//
// Each function here is a few lines of glue (src/autograd/autograd.cpp): check shapes, allocate the
// output from the tape, call the op's forward kernel (ops.hpp), and record a Node whose backward
// calls the op's backward kernel. Inputs of mismatched shapes are rejected at entry with a
// message naming both shapes.
//
// Composite ops (silu as x * sigmoid(x), a GLU as mul(act(gate), up)) can be built from these
// and are tested against the fused kernels (tests/test_fused.cpp).
//
// Lesson 03 · the tape
#pragma once

#include "glulab/ops/ops.hpp"
#include "glulab/core/tape.hpp"

namespace glulab {

Tensor add(Tape& tape, Tensor a, Tensor b);                 // same shapes
Tensor add_bias(Tape& tape, Tensor x, Tensor bias);         // x (..., C) + bias (C)
Tensor mul(Tape& tape, Tensor a, Tensor b);                 // same shapes, elementwise
Tensor scale(Tape& tape, Tensor x, float s);                // x * s
Tensor sum(Tape& tape, Tensor x);                           // -> (1)
Tensor mean(Tape& tape, Tensor x);                          // -> (1)
// a (..., K) @ b (K, N) -> (..., N); with trans_b, b is (N, K) and a @ b^T is computed.
Tensor matmul(Tape& tape, Tensor a, Tensor b, bool trans_b = false);
// y (..., out) = x (..., in) W^T (+ bias), W (out, in) as in PyTorch's nn.Linear.
Tensor linear(Tape& tape, Tensor x, Tensor weight, Tensor bias = {});
Tensor activation(Tape& tape, Tensor x, Act act);
Tensor relu(Tape& tape, Tensor x);
Tensor gelu(Tape& tape, Tensor x);
Tensor sigmoid(Tape& tape, Tensor x);
Tensor silu(Tape& tape, Tensor x);
// rows [up | gate] (..., 2H) -> act(gate) * up (..., H); with beta (1): act(beta * gate) * up.
Tensor glu(Tape& tape, Tensor up_gate, Act act, Tensor beta = {});
Tensor rms_norm(Tape& tape, Tensor x, Tensor g, float eps = 1e-5f);
// x (..., C) quantized to int8 and back (symmetric, absmax scale of the whole tensor, or of each
// row when per_row); the gradient passes straight through (ops.hpp → fake_quant_forward).
Tensor fake_quant(Tape& tape, Tensor x, bool per_row);
Tensor layer_norm(Tape& tape, Tensor x, Tensor g, Tensor b, float eps = 1e-5f);  // g, b (C)
Tensor softmax(Tape& tape, Tensor x);                       // over the last axis
// Mean cross-entropy of logits (..., V) against targets (one id per row) -> (1).
Tensor cross_entropy(Tape& tape, Tensor logits, const int* targets);
// weight (V, C)[ids] -> (ids_shape..., C); ids_shape has rank 1 to 3.
Tensor embedding(Tape& tape, const int* ids, Shape ids_shape, Tensor weight);
// qkv (B, T, 3C) -> (B, T, C), causal, NH heads.
Tensor attention(Tape& tape, Tensor qkv, int NH);
// Inverted dropout with probability p (p = 0 returns x unchanged and records nothing); x is the
// part of a larger tensor that starts at element `first` (dropout_forward).
Tensor dropout(Tape& tape, Tensor x, float p, uint64_t seed, int64_t first = 0);

}  // namespace glulab
