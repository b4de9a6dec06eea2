// Lesson 03 · reference solution of the exercise (CI runs the lesson's tests against it).
#include "exercise.hpp"

namespace lesson03 {

void square_backward(float* dx, const float* dout, const float* x, int64_t n) {
    if (!dx) return;
    for (int64_t i = 0; i < n; i++) dx[i] += 2.0f * x[i] * dout[i];
}

// Pass 1 leaves dw = 1, dv = s, du = s, ds = v, da = s (1 + b), db = s a (v = a b + a).
// Pass 2 seeds dy = 1 again and adds on top: dw = 1 + 1 = 2, ds += 2 v, dv += 2 s (so 3 s),
// du += 3 s (so 4 s), da += 3 s (add) and += 4 s b (mul), db += 4 s a.
TwoPasses gradients_after_two_backwards(float a, float b, float s) {
    const float v = a * b + a;
    return {.da = s * (4.0f + 5.0f * b), .db = 5.0f * s * a, .ds = 3.0f * v};
}

}  // namespace lesson03
