// activations.cpp — relu, gelu, gelu_tanh, sigmoid and silu on arrays, forward and backward.
//
// Contains: act_name, one forward/backward pair per activation, and activation_forward /
// activation_backward, which dispatch on an `Act`. The formulas and their derivatives live once,
// on a single float, in act_scalar.hpp (glu.cpp uses the same ones); every loop here is
//
//     forward:   out_i  = f(x_i)                   (n)
//     backward:  dx_i  += dout_i * f'(x_i)         (n)
//
// Backward reads the input x, not the output: every derivative below is written in terms of x.
// Leaves out: the GLU family (glu.cpp), softmax (softmax.cpp).
//
// Lesson 06 · activations
#include "glulab/ops/ops.hpp"

#include "act_scalar.hpp"
#include "parallel_rows.hpp"

#include <algorithm>

namespace glulab {

namespace {
// Below this many elements, starting the threads costs more than the loop.
constexpr int64_t min_parallel = 1 << 15;
}  // namespace

const char* act_name(Act act) {
    switch (act) {
        case Act::identity: return "identity";
        case Act::relu: return "relu";
        case Act::gelu: return "gelu";
        case Act::gelu_tanh: return "gelu_tanh";
        case Act::sigmoid: return "sigmoid";
        case Act::silu: return "silu";
    }
    return "unknown";
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

// relu
// ----
// relu(x) = max(x, 0); relu'(x) = 1 for x > 0 and 0 otherwise, including at exactly x = 0.
void relu_forward(float* out, const float* x, int64_t n) { map_forward<Act::relu>(out, x, n); }
void relu_backward(float* dx, const float* dout, const float* x, int64_t n) {
    map_backward<Act::relu>(dx, dout, x, n);
}

// gelu
// ----
// gelu(x) = x Phi(x) = x * 0.5 * (1 + erf(x / sqrt(2))); gelu'(x) = Phi(x) + x phi(x).
void gelu_forward(float* out, const float* x, int64_t n) { map_forward<Act::gelu>(out, x, n); }
void gelu_backward(float* dx, const float* dout, const float* x, int64_t n) {
    map_backward<Act::gelu>(dx, dout, x, n);
}

// gelu_tanh
// ---------
// gelu_tanh(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), within 1e-3 of exact gelu;
// its derivative is spelled out in act_scalar.hpp.
void gelu_tanh_forward(float* out, const float* x, int64_t n) {
    map_forward<Act::gelu_tanh>(out, x, n);
}
void gelu_tanh_backward(float* dx, const float* dout, const float* x, int64_t n) {
    map_backward<Act::gelu_tanh>(dx, dout, x, n);
}

// sigmoid
// -------
// s(x) = 1 / (1 + e^-x), computed without overflow for large |x|; s'(x) = s(x) (1 - s(x)).
void sigmoid_forward(float* out, const float* x, int64_t n) { map_forward<Act::sigmoid>(out, x, n); }
void sigmoid_backward(float* dx, const float* dout, const float* x, int64_t n) {
    map_backward<Act::sigmoid>(dx, dout, x, n);
}

// silu
// ----
// silu(x) = x s(x); silu'(x) = s(x) (1 + x (1 - s(x))).
void silu_forward(float* out, const float* x, int64_t n) { map_forward<Act::silu>(out, x, n); }
void silu_backward(float* dx, const float* dout, const float* x, int64_t n) {
    map_backward<Act::silu>(dx, dout, x, n);
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
