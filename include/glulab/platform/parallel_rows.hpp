// parallel_rows.hpp — loops that start OpenMP threads only when they pay.
//
// Contains min_parallel, the one threshold the kernels and the optimizer compare their work
// with, and the two loops every such parallel loop is written with: parallel_rows (one call
// per row) and parallel_elements (one call per element, vectorised). A sum over many values is
// written as a fixed number of chunks, each chunk a "row" whose sum goes to its own slot, the
// slots then added in order (cross_entropy's loss, grad_norm): the same bits at any thread count.
// Leaves out the norms' one region for two loops.
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

// Below this many elements of work (N * C for a loop over N rows of C), starting the threads
// costs more than the loop saves: the loop runs on the calling thread. A rough cutoff, the
// same for every kernel; results never depend on it (each row or element is computed alone).
inline constexpr int64_t min_parallel = int64_t{1} << 15;

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

// element(i) for every i in [0, n), as an `omp simd` loop: split over the threads when
// `parallel`, else on the calling thread. For elementwise kernels, whose element is one line
// (out[i] = a[i] + b[i]); capture by value, as above.
template <class Element>
inline void parallel_elements(int64_t n, bool parallel, const Element& element) {
    if (!parallel) {
#pragma omp simd
        for (int64_t i = 0; i < n; i++) element(i);
        return;
    }
#pragma omp parallel for simd
    for (int64_t i = 0; i < n; i++) element(i);
}

}  // namespace glulab
