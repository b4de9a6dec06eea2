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

}  // namespace lesson15
