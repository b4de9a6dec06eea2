// Lesson 07 · the GLU family — reference solution of the exercise (CI tests it).
#include "exercise.hpp"

#include <cmath>

namespace lesson07 {

int ffn_hidden_for(int C, bool gated, int multiple_of, int d_ff) {
    if (d_ff > 0) return d_ff;
    if (!gated) return 4 * C;
    // ceil(8 C / (3 m)) * m, with ceil(a / b) = (a + b - 1) / b for positive integers.
    const int64_t m = multiple_of, b = 3 * m;
    return static_cast<int>(m * ((8 * int64_t{C} + b - 1) / b));
}

void swiglu_backward(float* dgate, float* dup, const float* dout, const float* gate,
                     const float* up, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float g = gate[i];
        const float z = std::exp(-std::fabs(g));  // in (0, 1]: cannot overflow
        const float s = g >= 0.0f ? 1.0f / (1.0f + z) : z / (1.0f + z);
        if (dgate) dgate[i] += dout[i] * up[i] * s * (1.0f + g * (1.0f - s));
        if (dup) dup[i] += dout[i] * g * s;
    }
}

// x = [1, 0, 0, 1] picks columns 0 and 3 of W_gate and W_up, so g_j = W_gate[j][0] + W_gate[j][3].
// silu(1) = 0.7311, silu(-1) = -0.2689, silu(2) = 1.7616, silu(-2) = -0.2384, silu(3) = 2.8577.
// Units 3 and 7 have g = 0: silu(0) = 0 shuts them whatever u is (u_7 = 3 is lost).
// y_3 = h_0 - h_1 + h_6 = 2 silu(1) + silu(-1) - silu(1) = silu(1) - silu(-1) = 1 exactly.
WorkedSwiglu swiglu_by_hand() {
    return {.g = {1, -1, 2, 0, -2, 3, 1, 0},
            .u = {2, 1, 1, 2, -1, -1, -1, 3},
            .h = {1.4621f, -0.2689f, 1.7616f, 0.0f, 0.2384f, -2.8577f, -0.7311f, 0.0f},
            .y = {1.4621f, 1.4927f, -2.6193f, 1.0f}};
}

}  // namespace lesson07
