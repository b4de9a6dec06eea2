// Lesson 07 · the GLU family — exercise: the d_ff rule, and SwiGLU's backward.
//
// Part A, ffn_hidden_for: see exercise.hpp for the rule. Round 8 C / 3 UP, in integers only
// (no floating point): for C = 128 and multiple_of = 8 the answer is 344, for multiple_of = 1
// it is 342, for C = 96 it is exactly 256.
//
// Part B, swiglu_backward: the product rule on out = a * up with a = silu(gate), then the chain
// rule through silu (lesson 06: silu'(x) = s(x) (1 + x (1 - s(x))), s = sigmoid). ADD into the
// gradient arrays, and skip a null one.
// Check it with:  make exercise LESSON=07
#include "exercise.hpp"

#include <cmath>

namespace lesson07 {

int ffn_hidden_for(int C, bool gated, int multiple_of, int d_ff) {
    // TODO: your code here.
    (void)C;
    (void)gated;
    (void)multiple_of;
    (void)d_ff;
    return 0;
}

void swiglu_backward(float* dgate, float* dup, const float* dout, const float* gate,
                     const float* up, int64_t n) {
    // TODO: your code here.
    (void)dgate;
    (void)dup;
    (void)dout;
    (void)gate;
    (void)up;
    (void)n;
}

// Exercise 6: fill in the numbers you computed BY HAND for the FFN in exercise.hpp (not with
// a loop: the point is to see which units the gate shuts). silu(z) = z / (1 + e^-z).
WorkedSwiglu swiglu_by_hand() {
    WorkedSwiglu w{};
    // TODO: your numbers, e.g. w.g[0] = ...; w.u[0] = ...; w.h[0] = ...; w.y[0] = ...;
    return w;
}

}  // namespace lesson07
