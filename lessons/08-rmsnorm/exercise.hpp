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

// Derive first, by hand: one row, C = 4, eps = 0, with
//     x = (2, -2, 2, -2),   g = (1, 1, 1, 1),   dout = (1, 0, 0, 0).
// What are rstd, dx and dg? (Check your dx: x . dx should come out 0; the README says why.)
// Return the numbers as constants: no loops in rms_norm_by_hand.
struct RmsNormByHand {
    float rstd;
    float dx[4];
    float dg[4];
};
RmsNormByHand rms_norm_by_hand();

// Second exercise: LayerNorm, forward and backward, derived by you (README, "Exercise 2").
// The contract of src/ops/layernorm.cpp, which you should not read until your tests pass:
//
//     mean_i = mean_c(x_ic)                                   mean (N), cached
//     rstd_i = 1 / sqrt(mean_c((x_ic - mean_i)^2) + eps)      rstd (N), cached
//     out_ic = (x_ic - mean_i) * rstd_i * g_c + b_c           x, out (N, C); g, b (C)
//
// The forward writes out, mean and rstd. The backward, given dout (N, C) and the caches, ADDS
// the gradients into dx (N, C), dg (C) and db (C); any of the three may be null: skip it.
void layer_norm_forward(float* out, float* mean, float* rstd, const float* x, const float* g,
                        const float* b, int64_t N, int C, float eps);
void layer_norm_backward(float* dx, float* dg, float* db, const float* dout, const float* x,
                         const float* g, const float* mean, const float* rstd, int64_t N, int C);

}  // namespace lesson08
