// Lesson 15 · exercise: the sharded AdamW step of ZeRO-1, and a ring allreduce's bytes.
//
// (a) sharded_adamw_step. An entry's values may lie wholly inside [begin, end), wholly outside,
//     or be cut by either end of the slice: find the part inside, and give those values one
//     AdamW update (glulab::adamw_update does the update) with the moments at the same places
//     of m and v. The decay flag is the entry's, as in glulab::adamw_step.
//
// (b) ring_allreduce_bytes_per_rank: from the two phases of the ring in the README.
//
// (c) rank1_of_3 (worked out on paper first), then rank_slice.
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

RankSlice rank1_of_3() {
    // TODO: your two numbers, e.g. return {1000, 2000};
    return {};
}

RankSlice rank_slice(size_t n, int N, int r) {
    // TODO: your code here. (This placeholder gives every rank everything.)
    (void)N, (void)r;
    return {0, n};
}

}  // namespace lesson15
