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

}  // namespace lesson07
