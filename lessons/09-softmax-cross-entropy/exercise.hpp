// exercise.hpp — lesson 09's exercise: a stable log-softmax, and cross-entropy with its gradient.
//
// Lesson 09 · softmax and cross-entropy
#pragma once

#include <cstdint>

namespace lesson09 {

// Part A. Row-wise log-softmax of x (N, V) into out (N, V):
//     out_ij = x_ij - log(sum_k e^x_ik)
// computed without overflow or log(0) for any finite logits (subtract the row maximum).
void log_softmax(float* out, const float* x, int64_t N, int V);

// Part B. The mean cross-entropy of logits (N, V) against targets (N), each in [0, V):
//     loss = -(1/N) sum_i log softmax(x_i)[targets_i]              (returned)
// and its gradient ADDED into dlogits (N, V):
//     dlogits_ij += (softmax(x_i)_j - [j == targets_i]) / N
float cross_entropy_with_grad(float* dlogits, const float* logits, const int* targets, int64_t N,
                              int V);

// Cross-entropy against the label-smoothed target  y = (1 - alpha) onehot(target) + alpha / V,
// mean over the N rows of logits (N, V). Returns the mean loss and ADDS its gradient into
// dlogits (N, V) (nothing when dlogits is null). alpha = 0 is the plain cross-entropy.
float smoothed_cross_entropy(float* dlogits, const float* logits, const int* targets, int64_t N,
                             int V, float alpha);

}  // namespace lesson09
