// Lesson 14 · reference solution of the exercise (CI runs the lesson's tests against it).
#include "exercise.hpp"

#include "glulab/ops/ops.hpp"

#include <cstdint>
#include <thread>
#include <vector>
#include <algorithm>

namespace lesson14 {

// Shares of 2.5 rows: the ends 1..10 fall in shares 0, 0, 1, 1, 1, 2, 2, 3, 3, 3 (row i + 1 = 5
// ends share 1 exactly, at its boundary 5 = 2 * 2.5, so row 4 is thread 1's).
FourBlocks ten_rows_four_threads() { return {{{0, 2}, {2, 5}, {5, 7}, {7, 10}}}; }

// Row i is thread t's when t < (i + 1) threads / M <= t + 1, i.e. when t M / threads < i + 1 <=
// (t + 1) M / threads: the first such i is floor(t M / threads), the last plus one
// floor((t + 1) M / threads).
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

// Tiles of C (i0, j0) and of the sum (p0); inside, i, p, j with j innermost. std::min cuts
// the last tiles. Each C tile is zeroed once, then accumulates over all p tiles.
void gemm_tiled(int M, int N, int K, const float* A, const float* B, float* C, int tile) {
    for (int i0 = 0; i0 < M; i0 += tile)
        for (int j0 = 0; j0 < N; j0 += tile) {
            const int i1 = std::min(M, i0 + tile), j1 = std::min(N, j0 + tile);
            for (int i = i0; i < i1; i++)
                for (int j = j0; j < j1; j++) C[static_cast<int64_t>(i) * N + j] = 0.0f;
            for (int p0 = 0; p0 < K; p0 += tile) {
                const int p1 = std::min(K, p0 + tile);
                for (int i = i0; i < i1; i++)
                    for (int p = p0; p < p1; p++) {
                        const float a = A[static_cast<int64_t>(i) * K + p];
                        for (int j = j0; j < j1; j++)
                            C[static_cast<int64_t>(i) * N + j] += a * B[static_cast<int64_t>(p) * N + j];
                    }
            }
        }
}

}  // namespace lesson14
