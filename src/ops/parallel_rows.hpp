// parallel_rows.hpp — a loop over rows that starts OpenMP threads only when they pay.
//
// Private to src/ops. Contains parallel_rows; leaves out any choice of the threshold, which
// each kernel makes for its own loop.
//
// Why not `#pragma omp parallel for if (big)`: when the `if` is false, libgomp still builds a
// team of one thread for the region, and for one thread it does not keep the team for the
// next region: every call pays a heap allocation, a free and the region's bookkeeping, which a
// sampler pays for every op of every new character (docs/performance.md → "Measurements behind
// the kernels' choices"). Here the small case is a plain loop with no region at all.
//
// Lesson 14 · making it fast
#pragma once

#include <cstdint>

namespace glulab {

// row(i) for every i in [0, N): split over the OpenMP threads when `parallel`, else a plain
// loop on the calling thread. Pass the row as a lambda that captures by value ([=]): reading
// arrays through captured references keeps the compiler from vectorising its inner loops.
template <class Row>
inline void parallel_rows(int64_t N, bool parallel, const Row& row) {
    if (!parallel) {
        for (int64_t i = 0; i < N; i++) row(i);
        return;
    }
#pragma omp parallel for
    for (int64_t i = 0; i < N; i++) row(i);
}

}  // namespace glulab
