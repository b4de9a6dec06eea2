// exercise.hpp — lesson 14's exercise: split a matrix product's rows over threads.
//
// Lesson 14 · making it fast
#pragma once

namespace lesson14 {

// RowBlock
// --------
// The rows [begin, end) that thread t of `threads` computes when the M rows of C are split the
// way src/ops/matmul.cpp → gemm splits them. Cut [0, M) into `threads` equal shares of
// M / threads rows each (a share need not be a whole number of rows): row i belongs to the
// thread whose share its END, i + 1, falls in, that is the t with
//     t < (i + 1) * threads / M <= t + 1.
// So each thread's rows are contiguous, the blocks come in thread order and cover [0, M) once,
// and a block may be empty when threads > M. Needs 0 <= t < threads.
struct RowBlock {
    int begin = 0;
    int end = 0;
};
// Derive first, on paper: the four blocks of M = 10 rows over 4 threads, in thread order.
// Return your numbers as constants (no formula here); then turn the rule into begin and end
// for any M, t and threads in row_block (mind int overflow for large M).
struct FourBlocks {
    RowBlock block[4];
};
FourBlocks ten_rows_four_threads();
RowBlock row_block(int M, int t, int threads);

// gemm_split_rows
// ---------------
//     C (M, N) = A (M, K) @ B (K, N)          row-major, C overwritten (its old contents ignored)
// computed by `threads` std::threads, thread t filling rows row_block(M, t, threads) of C with
// one call to gemm_naive (glulab/ops/ops.hpp) on its block: A and C start at row `begin` of each,
// B is shared. Threads never write the same row, so no locks are needed. threads >= 1.
void gemm_split_rows(int M, int N, int K, const float* A, const float* B, float* C, int threads);

// gemm_tiled (exercise 6)
// ----------
//     C (M, N) = A (M, K) @ B (K, N)          row-major, C overwritten
// one tile x tile block of C at a time, with the i, p, j loop order inside each tile so the
// innermost loop walks rows of B and C. Any M, N, K >= 1 and tile >= 1: the last tiles of a
// row or column may be partial.
void gemm_tiled(int M, int N, int K, const float* A, const float* B, float* C, int tile);

}  // namespace lesson14
