// exercise.hpp — lesson 08's exercise: RMSNorm's backward, written by you.
//
// Lesson 08 · RMSNorm
#pragma once

#include <cstdint>

namespace lesson08 {

// The same contract as src/ops/rmsnorm.cpp → rms_norm_backward. The forward was
//
//     rstd_i  = 1 / sqrt(mean_c(x_ic^2) + eps)       rstd (N), cached by rms_norm_forward
//     out_ic  = x_ic * rstd_i * g_c                  x, out (N, C), g (C)
//
// Given dout (N, C), ADD the gradients into dx (N, C) and dg (C). Either may be null: skip it.
void rms_norm_backward(float* dx, float* dg, const float* dout, const float* x, const float* g,
                       const float* rstd, int64_t N, int C);

}  // namespace lesson08
