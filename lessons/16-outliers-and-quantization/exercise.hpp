// exercise.hpp — lesson 16's exercise: the rounding error of absmax int8, worked out first, then
// quantization with one scale per row.
//
// Lesson 16 · outliers and quantization
#pragma once

namespace lesson16 {

// Part A, by hand first. Symmetric int8 with an absmax scale maps the block's largest |x| to
// the integer 127 and rounds every value to the nearest multiple of the step between levels.
// Write each answer as a formula of the arguments (the test tries several values).
//
//   1. The step s between two levels, for a block whose largest |x| is `absmax`.
float step_of(float absmax);
//   2. The largest error |q s - x| rounding can make, for that block.
float worst_error(float absmax);
//   3. The mean square error, if a value's position between two levels is uniform.
float mean_square_error(float absmax);
//   4. A block of values of size at most `typical` gets one value `outlier` > typical: by what
//      factor does the step grow, and with it every other value's error?
float error_growth(float typical, float outlier);

// Part B. Quantize x (rows, cols), row-major, to int8 and back, with one absmax scale per row
// (a weight's output channel, or an activation's token): out = q s_row, q an integer in
// [-127, 127] rounded to nearest, ties to even (std::nearbyint). A row of zeros stays zero.
// out may be x.
void quantize_per_row(float* out, const float* x, int rows, int cols);

}  // namespace lesson16
