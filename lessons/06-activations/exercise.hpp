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

// gelu_tanh's backward, derived by you (exercise 5):
//     gelu_tanh(x) = 0.5 x (1 + tanh(u)),   u = sqrt(2/pi) (x + 0.044715 x^3)
//     dx_i += dout_i * gelu_tanh'(x_i)      (n); nothing when dx is null
void gelu_tanh_backward(float* dx, const float* dout, const float* x, int64_t n);

}  // namespace lesson06
