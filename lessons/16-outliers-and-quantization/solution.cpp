// Lesson 16 · the reference solution of the exercise (exercise.hpp).
#include "exercise.hpp"

#include <algorithm>
#include <cmath>

namespace lesson16 {

// 255 levels, -127 .. 127, cover [-absmax, absmax]: 127 steps from 0 to absmax.
float step_of(float absmax) { return absmax / 127; }

// Rounding to the nearest level is off by at most half a step.
float worst_error(float absmax) { return step_of(absmax) / 2; }

// An error uniform on [-s/2, s/2] has mean square (1/s) * integral of e^2 de = s^2 / 12.
float mean_square_error(float absmax) {
    const float s = step_of(absmax);
    return s * s / 12;
}

// The step is absmax / 127, and the outlier is the new absmax: the step, and every error,
// grows by outlier / typical.
float error_growth(float typical, float outlier) { return outlier / typical; }

void quantize_per_row(float* out, const float* x, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        const float* xr = x + static_cast<long>(r) * cols;
        float absmax = 0;
        for (int c = 0; c < cols; c++) absmax = std::max(absmax, std::fabs(xr[c]));
        const float s = absmax > 0 ? absmax / 127 : 1.0f, inv = 1.0f / s;
        for (int c = 0; c < cols; c++)
            out[static_cast<long>(r) * cols + c] = std::clamp(std::nearbyint(xr[c] * inv), -127.0f, 127.0f) * s;
    }
}

}  // namespace lesson16
