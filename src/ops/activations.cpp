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
#include "glulab/ops.hpp"

#include "act_scalar.hpp"

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

// relu
// ----
// relu(x) = max(x, 0); relu'(x) = 1 for x > 0 and 0 otherwise, including at exactly x = 0.
void relu_forward(float* out, const float* x, int64_t n) {
#pragma omp parallel for simd if (n > min_parallel)
    for (int64_t i = 0; i < n; i++) out[i] = relu_value(x[i]);
}

void relu_backward(float* dx, const float* dout, const float* x, int64_t n) {
    if (!dx) return;
#pragma omp parallel for simd if (n > min_parallel)
    for (int64_t i = 0; i < n; i++) dx[i] += dout[i] * relu_derivative(x[i]);
}

// gelu
// ----
// gelu(x) = x Phi(x) = x * 0.5 * (1 + erf(x / sqrt(2))); gelu'(x) = Phi(x) + x phi(x).
void gelu_forward(float* out, const float* x, int64_t n) {
#pragma omp parallel for simd if (n > min_parallel)
    for (int64_t i = 0; i < n; i++) out[i] = gelu_value(x[i]);
}

void gelu_backward(float* dx, const float* dout, const float* x, int64_t n) {
    if (!dx) return;
#pragma omp parallel for simd if (n > min_parallel)
    for (int64_t i = 0; i < n; i++) dx[i] += dout[i] * gelu_derivative(x[i]);
}

// gelu_tanh
// ---------
// gelu_tanh(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), within 1e-3 of exact gelu;
// its derivative is spelled out in act_scalar.hpp.
void gelu_tanh_forward(float* out, const float* x, int64_t n) {
#pragma omp parallel for simd if (n > min_parallel)
    for (int64_t i = 0; i < n; i++) out[i] = gelu_tanh_value(x[i]);
}

void gelu_tanh_backward(float* dx, const float* dout, const float* x, int64_t n) {
    if (!dx) return;
#pragma omp parallel for simd if (n > min_parallel)
    for (int64_t i = 0; i < n; i++) dx[i] += dout[i] * gelu_tanh_derivative(x[i]);
}

// sigmoid
// -------
// s(x) = 1 / (1 + e^-x), computed without overflow for large |x|; s'(x) = s(x) (1 - s(x)).
void sigmoid_forward(float* out, const float* x, int64_t n) {
#pragma omp parallel for simd if (n > min_parallel)
    for (int64_t i = 0; i < n; i++) out[i] = sigmoid_value(x[i]);
}

void sigmoid_backward(float* dx, const float* dout, const float* x, int64_t n) {
    if (!dx) return;
#pragma omp parallel for simd if (n > min_parallel)
    for (int64_t i = 0; i < n; i++) dx[i] += dout[i] * sigmoid_derivative(x[i]);
}

// silu
// ----
// silu(x) = x s(x); silu'(x) = s(x) (1 + x (1 - s(x))).
void silu_forward(float* out, const float* x, int64_t n) {
#pragma omp parallel for simd if (n > min_parallel)
    for (int64_t i = 0; i < n; i++) out[i] = silu_value(x[i]);
}

void silu_backward(float* dx, const float* dout, const float* x, int64_t n) {
    if (!dx) return;
#pragma omp parallel for simd if (n > min_parallel)
    for (int64_t i = 0; i < n; i++) dx[i] += dout[i] * silu_derivative(x[i]);
}

// activation
// ----------
// One entry point for "the activation named in the config". identity copies forward and passes
// the gradient straight through backward.
void activation_forward(float* out, const float* x, int64_t n, Act act) {
    switch (act) {
        case Act::identity:
            for (int64_t i = 0; i < n; i++) out[i] = x[i];
            return;
        case Act::relu: return relu_forward(out, x, n);
        case Act::gelu: return gelu_forward(out, x, n);
        case Act::gelu_tanh: return gelu_tanh_forward(out, x, n);
        case Act::sigmoid: return sigmoid_forward(out, x, n);
        case Act::silu: return silu_forward(out, x, n);
    }
}

void activation_backward(float* dx, const float* dout, const float* x, int64_t n, Act act) {
    if (!dx) return;
    switch (act) {
        case Act::identity:
            for (int64_t i = 0; i < n; i++) dx[i] += dout[i];
            return;
        case Act::relu: return relu_backward(dx, dout, x, n);
        case Act::gelu: return gelu_backward(dx, dout, x, n);
        case Act::gelu_tanh: return gelu_tanh_backward(dx, dout, x, n);
        case Act::sigmoid: return sigmoid_backward(dx, dout, x, n);
        case Act::silu: return silu_backward(dx, dout, x, n);
    }
}

}  // namespace glulab
