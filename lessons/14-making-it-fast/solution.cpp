// Lesson 14 · reference solution of the exercise (CI runs the lesson's tests against it).
#include "exercise.hpp"

#include "glulab/ops.hpp"

#include <cstdint>
#include <thread>
#include <vector>

namespace lesson14 {

RowBlock row_block(int M, int t, int threads) {
    // In 64 bits: M * (t + 1) overflows an int long before M does.
    return {static_cast<int>(int64_t{M} * t / threads),
            static_cast<int>(int64_t{M} * (t + 1) / threads)};
}

void gemm_split_rows(int M, int N, int K, const float* A, const float* B, float* C, int threads) {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; t++) {
        const RowBlock r = row_block(M, t, threads);
        if (r.end == r.begin) continue;  // more threads than rows: nothing to do
        // Row i of C needs row i of A and all of B: the block's A and C start at row r.begin.
        pool.emplace_back([=] {
            glulab::gemm_naive(false, false, r.end - r.begin, N, K, 1.0f, A + int64_t{r.begin} * K,
                               K, B, N, 0.0f, C + int64_t{r.begin} * N, N);
        });
    }
    for (std::thread& th : pool) th.join();
}

}  // namespace lesson14
