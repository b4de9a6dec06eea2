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

// (b) The bytes one rank sends in a ring allreduce of `bytes` over N ranks. Count them from the
//     ring's two phases (README, "Allreduce") before you write the line.
double ring_allreduce_bytes_per_rank(double bytes, int N);

// (c) The rank slice, derived first. ZeRO-1 cuts the n values of the flat arrays into N
//     contiguous slices, one per rank in rank order, as the README's "ZeRO-1" paragraph states
//     for P parameters, with every bound rounded down to a whole index.
//     First, on paper: the model of this lesson's main.cpp has 14432 parameters. On N = 3 ranks,
//     which values [begin, end) does rank 1 own? Return your two numbers from rank1_of_3, as
//     constants: no formula in it. Then write rank_slice for any n, N and 0 <= r < N; the tests
//     use it to cut the slices of (a).
struct RankSlice {
    size_t begin = 0;
    size_t end = 0;
};
RankSlice rank1_of_3();
RankSlice rank_slice(size_t n, int N, int r);

}  // namespace lesson15
