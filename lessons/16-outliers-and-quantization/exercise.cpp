// Lesson 16 · exercise: the error of absmax int8 worked out, then one scale per row.
//
// Write the functions declared in exercise.hpp. Part A first, on paper: what is the step, the
// worst error and the mean square error of rounding, and what does an outlier do to them?
// Check it with:  make exercise LESSON=16
#include "exercise.hpp"

namespace lesson16 {

float step_of(float absmax) {
    // TODO: your formula here.
    (void)absmax;
    return 0;
}

float worst_error(float absmax) {
    // TODO: your formula here.
    (void)absmax;
    return 0;
}

float mean_square_error(float absmax) {
    // TODO: your formula here.
    (void)absmax;
    return 0;
}

float error_growth(float typical, float outlier) {
    // TODO: your formula here.
    (void)typical;
    (void)outlier;
    return 0;
}

void quantize_per_row(float* out, const float* x, int rows, int cols) {
    // TODO: your code here.
    (void)out;
    (void)x;
    (void)rows;
    (void)cols;
}

}  // namespace lesson16
