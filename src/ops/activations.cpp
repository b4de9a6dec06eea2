// activations.cpp — every activation on arrays, forward and backward.
//
// Contains: act_name, activation_forward / activation_backward, which dispatch on an `Act` to
// one loop pair compiled per activation, and silu_forward / silu_backward, the named pair lesson
// 06 builds (with gelu_tanh_backward, its exercise's reference). The formulas and their
// derivatives live once, on a single float, in act_scalar.hpp's activation table (glu.cpp uses
// the same ones); every loop here is
//
//     forward:   out_i  = f(x_i)                   (n)
//     backward:  dx_i  += dout_i * f'(x_i)         (n)
//
// Backward reads the input x, not the output: every derivative in act_scalar.hpp is written in
// terms of x.
// Leaves out: the GLU family (glu.cpp), softmax (softmax.cpp).
//
// Lesson 06 · activations
#include "glulab/ops/ops.hpp"

#include "act_scalar.hpp"
#include "glulab/platform/parallel_rows.hpp"

#include <algorithm>

namespace glulab {

const char* act_name(Act act) {
    const size_t i = static_cast<size_t>(act);
    return i < act_count ? act_table[i].name : "unknown";
}

// The two loops every activation runs, written once and compiled per activation A:
//     forward:   out_i  = f(x_i)               backward:  dx_i += dout_i * f'(x_i)
//
// Vectorised, f is glibc's vector expf, erff or tanhf (libmvec); the few elements of a loop's
// remainder take the scalar function, which may differ in the last bit. So the array is cut
// into chunks of a fixed size, a multiple of every vector width, and threads share whole
// chunks: the remainder is the same elements at any thread count, and so are the bits. A
// `parallel for simd` over the whole array would cut it at each thread's share instead.
namespace {
constexpr int64_t act_chunk = 4096;
}  // namespace

template <Act A>
void map_forward(float* out, const float* x, int64_t n) {
    parallel_rows((n + act_chunk - 1) / act_chunk, n > min_parallel, [=](int64_t c) {
        const int64_t hi = std::min(n, (c + 1) * act_chunk);
#pragma omp simd
        for (int64_t i = c * act_chunk; i < hi; i++) out[i] = act_value<A>(x[i]);
    });
}

template <Act A>
void map_backward(float* dx, const float* dout, const float* x, int64_t n) {
    if (!dx) return;
    parallel_rows((n + act_chunk - 1) / act_chunk, n > min_parallel, [=](int64_t c) {
        const int64_t hi = std::min(n, (c + 1) * act_chunk);
#pragma omp simd
        for (int64_t i = c * act_chunk; i < hi; i++) dx[i] += dout[i] * act_derivative<A>(x[i]);
    });
}

// silu, gelu_tanh
// ---------------
// silu(x) = x s(x); silu'(x) = s(x) (1 + x (1 - s(x))). Lesson 06 writes this pair itself and
// holds it to these; its exercise 5 derives gelu_tanh's derivative and holds it to
// gelu_tanh_backward. Every other activation is reached through activation_forward/backward.
void silu_forward(float* out, const float* x, int64_t n) { map_forward<Act::silu>(out, x, n); }
void silu_backward(float* dx, const float* dout, const float* x, int64_t n) {
    map_backward<Act::silu>(dx, dout, x, n);
}
void gelu_tanh_backward(float* dx, const float* dout, const float* x, int64_t n) {
    map_backward<Act::gelu_tanh>(dx, dout, x, n);
}

// activation
// ----------
// One entry point for "the activation named in the config". identity copies forward and passes
// the gradient straight through backward.
void activation_forward(float* out, const float* x, int64_t n, Act act) {
    dispatch_act(act, [=](auto tag) { map_forward<tag.value>(out, x, n); });
}

void activation_backward(float* dx, const float* dout, const float* x, int64_t n, Act act) {
    dispatch_act(act, [=](auto tag) { map_backward<tag.value>(dx, dout, x, n); });
}

}  // namespace glulab
