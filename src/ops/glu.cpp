// glu.cpp — the gated linear unit family as one fused op: out = act(gate) * up.
//
// Contains: glu_forward, glu_backward. The activation is an argument, so GLU, Bilinear, ReGLU,
// GEGLU and SwiGLU are one kernel, and an optional learned scale of the gate (beta) makes
// variants such as Swish-beta the same kernel too; the scalar activations come from act_scalar.hpp, shared with
// activations.cpp. Leaves out: the one projection that produces gate and up together and the one
// that follows (they are matmuls, built by the model's FFN), and the composite version
// mul(activation(gate), up), which tests/test_fused.cpp compares with this kernel.
//
// Lesson 07 · the GLU family
#include "glulab/ops/ops.hpp"

#include "act_scalar.hpp"
#include "glulab/platform/parallel_rows.hpp"

namespace glulab {

// glu
// ---
// A GLU feed-forward layer projects its input x (N, C) twice, to the hidden width H:
//
//     gate = x W_gate^T    (N, H)      the projection that goes through the activation
//     up   = x W_up^T      (N, H)      the projection that carries the values
//     out  = act(gate) * up            (N, H), elementwise; then down-projected back to (N, C)
//
// The gate decides, per hidden unit and per token, how much of `up` gets through: the product of
// two linear maps lets the layer multiply features, which a single activation cannot.
//
// Backward, by the product rule (a = act(gate)):
//
//     dgate += dout * up * act'(gate)        (N, H)
//     dup   += dout * act(gate)              (N, H)
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
// In the model, gate and up are the two halves of ONE product: the FFN multiplies x by the
// joined (2H, C) block [W_up; W_gate] and gets (N, 2H) rows [up (H) | gate (H)] (src/nn/ffn.cpp →
// FeedForward::operator()). So the kernels walk N rows of H values, with gate and up (and their
// gradients) `ld` floats apart from one row to the next: ld = 2H for the halves of the joined
// product, ld = H (or N = 1, H = n) for two separate arrays. out and dout are plain (N, H).
//
// A parameter in the gate
// -----------------------
// A variant may scale the gate by a learned number before the activation: with beta (1),
//
//     out   = act(beta * gate) * up                              Swish-beta with act = silu
//     dgate += dout * up * act'(beta * gate) * beta
//     dup   += dout * act(beta * gate)
//     dbeta += sum over all N * H of dout * up * act'(beta * gate) * gate
//
// Pass beta = null (the default) for the plain family: that path is the loop above, untouched.
// dbeta is one number summed over every element: a second, serial pass adds it up in a fixed
// order (in double), so it does not depend on the thread count.
//
// Each loop is compiled once per activation (dispatch_act in act_scalar.hpp) and once with and
// once without beta (Scaled), so the compiler inlines the activation and vectorises the inner
// loop. The loops take their arrays as plain arguments: read through a lambda's captured
// references, they vectorise into slow gathers.
template <bool Scaled>
inline float gate_input(float g, float beta) {
    if constexpr (Scaled) return beta * g;
    else return g;
}

template <Act A, bool Scaled>
void glu_forward_loop(float* out, const float* gate, const float* up, int64_t N, int H, int64_t ld,
                      float beta) {
    parallel_rows(N, N * H > min_parallel, [=](int64_t r) {
        float* o = out + r * H;
        const float* g = gate + r * ld;
        const float* u = up + r * ld;
#pragma omp simd
        for (int i = 0; i < H; i++) o[i] = act_value<A>(gate_input<Scaled>(g[i], beta)) * u[i];
    });
}

template <Act A, bool Scaled>
void glu_backward_loop(float* dgate, float* dup, const float* dout, const float* gate,
                       const float* up, int64_t N, int H, int64_t ld, float beta) {
    parallel_rows(N, N * H > min_parallel, [=](int64_t r) {
        const float* d = dout + r * H;
        const float* g = gate + r * ld;
        const float* u = up + r * ld;
        if (dgate && dup) {  // the usual case: one pass over the row for both gradients
            float* dg = dgate + r * ld;
            float* du = dup + r * ld;
#pragma omp simd
            for (int i = 0; i < H; i++) {
                const float z = gate_input<Scaled>(g[i], beta);
                const ActPair a = act_value_and_derivative<A>(z);  // one exp for silu
                if constexpr (Scaled) dg[i] += d[i] * u[i] * a.derivative * beta;
                else dg[i] += d[i] * u[i] * a.derivative;
                du[i] += d[i] * a.value;
            }
        } else if (dgate) {
            float* dg = dgate + r * ld;
#pragma omp simd
            for (int i = 0; i < H; i++) {
                const float z = gate_input<Scaled>(g[i], beta);
                if constexpr (Scaled) dg[i] += d[i] * u[i] * act_derivative<A>(z) * beta;
                else dg[i] += d[i] * u[i] * act_derivative<A>(z);
            }
        } else if (dup) {
            float* du = dup + r * ld;
#pragma omp simd
            for (int i = 0; i < H; i++) du[i] += d[i] * act_value<A>(gate_input<Scaled>(g[i], beta));
        }
    });
}

template <Act A>
void glu_dbeta(float* dbeta, const float* dout, const float* gate, const float* up, int64_t N,
               int H, int64_t ld, float beta) {
    double sum = 0.0;
    for (int64_t r = 0; r < N; r++)
        for (int i = 0; i < H; i++) {
            const float g = gate[r * ld + i];
            sum += double{dout[r * H + i] * up[r * ld + i] * act_derivative<A>(beta * g) * g};
        }
    *dbeta += static_cast<float>(sum);
}

void glu_forward(float* out, const float* gate, const float* up, int64_t N, int H, int64_t ld,
                 Act act, const float* beta) {
    dispatch_act(act, [=](auto tag) {
        if (beta) glu_forward_loop<tag.value, true>(out, gate, up, N, H, ld, *beta);
        else glu_forward_loop<tag.value, false>(out, gate, up, N, H, ld, 1.0f);
    });
}

void glu_backward(float* dgate, float* dup, const float* dout, const float* gate, const float* up,
                  int64_t N, int H, int64_t ld, Act act, float* dbeta, const float* beta) {
    dispatch_act(act, [=](auto tag) {
        if (!beta) {
            glu_backward_loop<tag.value, false>(dgate, dup, dout, gate, up, N, H, ld, 1.0f);
            return;
        }
        glu_backward_loop<tag.value, true>(dgate, dup, dout, gate, up, N, H, ld, *beta);
        if (dbeta) glu_dbeta<tag.value>(dbeta, dout, gate, up, N, H, ld, *beta);
    });
}

}  // namespace glulab
