// exercise.hpp — lesson 15's exercise: ZeRO-1's sharded AdamW step and the cost of a ring
// allreduce.
//
// Lesson 15 · data parallelism
#pragma once

#include "glulab/train/optim.hpp"
#include "glulab/core/params.hpp"

#include <cstddef>
#include <vector>

namespace lesson15 {

// (a) The AdamW update of one rank under ZeRO-1: only the values [begin, end) of the flat arrays
//     `param` and `grad` (the rank's slice) are updated, and `m`, `v` hold the moments of that
//     slice only: m[0] belongs to param[begin]. An entry that straddles the slice is updated on
//     the part inside it, with weight decay (lr * cfg.weight_decay) if the entry's `decay` flag is
//     set. When every rank has run it on its slice, the arrays equal one glulab::adamw_step.
void sharded_adamw_step(float* param, const float* grad, float* m, float* v,
                        const std::vector<glulab::ParamEntry>& entries, size_t begin, size_t end,
                        float lr, const glulab::OptimConfig& cfg, int t);

// (b) The bytes one rank sends in a ring allreduce of `bytes` over N ranks: a reduce-scatter
//     (N - 1 steps of bytes / N) followed by an all-gather (the same again).
double ring_allreduce_bytes_per_rank(double bytes, int N);

}  // namespace lesson15
