// Lesson 06 · activations — exercise: write SiLU's forward and backward kernels.
//
//     silu(x)  = x s(x),            s(x) = 1 / (1 + e^-x)
//     silu'(x) = s(x) (1 + x (1 - s(x)))         (derive it: the product rule, then s' = s (1 - s))
//
// 1. silu_forward: out[i] = silu(x[i]) for i in [0, n).
// 2. silu_backward: dx[i] += dout[i] * silu'(x[i]). Add, do not assign; return at once if dx is
//    null. Compute from x, not from the output: the kernel is handed x.
// Keep it finite for large |x|: at x = -200, e^-x overflows a float to inf. Which of your
// expressions survive that? (src/ops/act_scalar.hpp → sigmoid_value shows one way.)
// Check it with:  make exercise LESSON=06
#include "exercise.hpp"

#include <cmath>

namespace lesson06 {

void silu_forward(float* out, const float* x, int64_t n) {
    // TODO: your code here. (This copies x: the identity, not silu.)
    for (int64_t i = 0; i < n; i++) out[i] = x[i];
}

void silu_backward(float* dx, const float* dout, const float* x, int64_t n) {
    // TODO: your code here.
    (void)dx;
    (void)dout;
    (void)x;
    (void)n;
}

// Exercise 5: derive gelu_tanh'(x) on paper first (product rule on 0.5 x (1 + tanh u), chain
// rule through tanh and u), then write it here. Only then compare with act_scalar.hpp.
void gelu_tanh_backward(float* dx, const float* dout, const float* x, int64_t n) {
    // TODO: your code here.
    (void)dx;
    (void)dout;
    (void)x;
    (void)n;
}

}  // namespace lesson06
