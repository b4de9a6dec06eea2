// Lesson 15 · reference solution (see exercise.cpp for the task).
#include "exercise.hpp"

#include <algorithm>

namespace lesson15 {

void sharded_adamw_step(float* param, const float* grad, float* m, float* v,
                        const std::vector<glulab::ParamEntry>& entries, size_t begin, size_t end,
                        float lr, const glulab::OptimConfig& cfg, int t) {
    for (const glulab::ParamEntry& e : entries) {
        const size_t lo = std::max(e.offset, begin);
        const size_t hi = std::min(e.offset + static_cast<size_t>(e.shape.numel()), end);
        if (lo >= hi) continue;
        glulab::adamw_update(param + lo, m + (lo - begin), v + (lo - begin), grad + lo,
                             static_cast<int64_t>(hi - lo), lr, e.decay ? lr * cfg.weight_decay : 0.0f,
                             cfg, t);
    }
}

double ring_allreduce_bytes_per_rank(double bytes, int N) { return 2.0 * (N - 1) / N * bytes; }

// 14432 * 1 / 3 = 4810.67 and 14432 * 2 / 3 = 9621.33, each rounded down: rank 1 owns 4811
// values, ranks 0 and 2 own 4810 and 4811.
RankSlice rank1_of_3() { return {4810, 9621}; }

// n r / N in 64 bits, rounded down: the bounds of include/glulab/platform/dist.hpp → dist_slice.
RankSlice rank_slice(size_t n, int N, int r) {
    const size_t ranks = static_cast<size_t>(N), rank = static_cast<size_t>(r);
    return {n * rank / ranks, n * (rank + 1) / ranks};
}

}  // namespace lesson15
