// Lesson 15 · exercise: the sharded AdamW step of ZeRO-1, and a ring allreduce's bytes.
//
// (a) sharded_adamw_step. For each entry e (its values are [e.offset, e.offset + numel)), the
//     part that lies in [begin, end) is
//
//         lo = max(e.offset, begin),   hi = min(e.offset + numel, end)     (skip it if lo >= hi)
//
//     and those values get one AdamW update (glulab::adamw_update does it for you) with the
//     moments m + (lo - begin), v + (lo - begin), and decay lr * cfg.weight_decay if e.decay.
//
// (b) ring_allreduce_bytes_per_rank: 2 (N - 1) / N of the bytes.
//
// Check it with:  make exercise LESSON=15
// The tests run every rank's slice for N = 1, 2, 3, 4 and compare with one glulab::adamw_step.
#include "exercise.hpp"

namespace lesson15 {

void sharded_adamw_step(float* param, const float* grad, float* m, float* v,
                        const std::vector<glulab::ParamEntry>& entries, size_t begin, size_t end,
                        float lr, const glulab::OptimConfig& cfg, int t) {
    // TODO: your code here. (This placeholder updates nothing.)
    (void)param, (void)grad, (void)m, (void)v, (void)entries, (void)begin, (void)end;
    (void)lr, (void)cfg, (void)t;
}

double ring_allreduce_bytes_per_rank(double bytes, int N) {
    // TODO: your code here. (This placeholder sends everything twice, like a naive reduce +
    // broadcast through one rank.)
    (void)N;
    return 2 * bytes;
}

}  // namespace lesson15
