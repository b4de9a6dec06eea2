// exercise.hpp — lesson 06's exercise: SiLU's forward and backward kernels on arrays.
//
// Lesson 06 · activations
#pragma once

#include <cstdint>

namespace lesson06 {

// The same contract as src/ops/activations.cpp → silu_forward / silu_backward:
//
//   silu_forward:   out_i  = silu(x_i) = x_i * s(x_i),  s(x) = 1 / (1 + e^-x)     out, x (n)
//   silu_backward:  dx_i  += dout_i * silu'(x_i)                                  dx, dout, x (n)
//
// Backward ADDS into dx (+=), and does nothing when dx is null (the input needs no gradient).
void silu_forward(float* out, const float* x, int64_t n);
void silu_backward(float* dx, const float* dout, const float* x, int64_t n);

}  // namespace lesson06
