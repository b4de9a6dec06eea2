// exercise.hpp — lesson 14's exercise: split a matrix product's rows over threads.
//
// Lesson 14 · making it fast
#pragma once

namespace lesson14 {

// RowBlock
// --------
// The rows [begin, end) that thread t of `threads` computes when M rows are split into
// `threads` contiguous blocks as evenly as possible, the way src/ops/matmul.cpp → gemm does:
//     begin = M * t / threads,   end = M * (t + 1) / threads      (integer division)
// The blocks cover [0, M) exactly once; their sizes differ by at most one; a block may be
// empty when threads > M. Needs 0 <= t < threads.
struct RowBlock {
    int begin = 0;
    int end = 0;
};
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
