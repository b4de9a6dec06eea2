// glu.cpp — the gated linear unit family as one fused op: out = act(gate) * up.
//
// Contains: glu_forward, glu_backward. The activation is an argument, so GLU, Bilinear, ReGLU,
// GEGLU and SwiGLU are one kernel; the scalar activations come from act_scalar.hpp, shared with
// activations.cpp. Leaves out: the two projections that produce gate and up and the one that
// follows (they are matmuls, built by the model's FFN), and the composite version
// mul(activation(gate), up), which tests/test_fused.cpp compares with this kernel.
//
// Lesson 07 · the GLU family
#include "glulab/ops.hpp"

#include "act_scalar.hpp"

namespace glulab {

namespace {
// Below this many elements, starting the threads costs more than the loop.
constexpr int64_t min_parallel = 1 << 15;
}  // namespace

// glu
// ---
// A GLU feed-forward layer projects its input x (N, C) twice, to the hidden width H:
//
//     gate = x W_gate^T    (N, H)      the projection that goes through the activation
//     up   = x W_up^T      (N, H)      the projection that carries the values
//     out  = act(gate) * up            (N, H), elementwise; then down-projected back to (N, C)
//
// The gate decides, per hidden unit and per token, how much of `up` gets through: the product of
// two linear maps lets the layer multiply features, which a single activation cannot. This file
// sees gate, up and out as flat arrays of n = N * H values.
//
// Backward, by the product rule (a = act(gate)):
//
//     dgate += dout * up * act'(gate)        (n)
//     dup   += dout * act(gate)              (n)
//
// The variants differ only in `act` (Shazeer 2020, "GLU Variants Improve Transformer"):
//
//     act        variant
//     ---------  --------
//     sigmoid    GLU        (Dauphin et al. 2017, the original)
//     identity   Bilinear   (no nonlinearity: act(gate) = gate)
//     relu       ReGLU
//     gelu       GEGLU      (gelu_tanh works too)
//     silu       SwiGLU     (LLaMA, PaLM)
//
// With three matrices instead of two, a GLU layer keeps the parameter count of a plain
// 4C-wide MLP when H = 8C/3.
//
// Each loop is compiled once per activation (dispatch_act in act_scalar.hpp), so the compiler
// inlines the activation and vectorises the loop. The loops take their arrays as plain
// arguments: read through a lambda's captured references, they vectorise into slow gathers.
template <Act A>
void glu_forward_loop(float* out, const float* gate, const float* up, int64_t n) {
#pragma omp parallel for simd if (n > min_parallel)
    for (int64_t i = 0; i < n; i++) out[i] = act_value<A>(gate[i]) * up[i];
}

template <Act A>
void glu_backward_loop(float* dgate, float* dup, const float* dout, const float* gate,
                       const float* up, int64_t n) {
    if (dgate && dup) {  // the usual case: one pass over the arrays for both gradients
#pragma omp parallel for simd if (n > min_parallel)
        for (int64_t i = 0; i < n; i++) {
            dgate[i] += dout[i] * up[i] * act_derivative<A>(gate[i]);
            dup[i] += dout[i] * act_value<A>(gate[i]);
        }
    } else if (dgate) {
#pragma omp parallel for simd if (n > min_parallel)
        for (int64_t i = 0; i < n; i++) dgate[i] += dout[i] * up[i] * act_derivative<A>(gate[i]);
    } else if (dup) {
#pragma omp parallel for simd if (n > min_parallel)
        for (int64_t i = 0; i < n; i++) dup[i] += dout[i] * act_value<A>(gate[i]);
    }
}

void glu_forward(float* out, const float* gate, const float* up, int64_t n, Act act) {
    dispatch_act(act, [=](auto tag) { glu_forward_loop<tag.value>(out, gate, up, n); });
}

void glu_backward(float* dgate, float* dup, const float* dout, const float* gate, const float* up,
                  int64_t n, Act act) {
    dispatch_act(act, [=](auto tag) { glu_backward_loop<tag.value>(dgate, dup, dout, gate, up, n); });
}

}  // namespace glulab
