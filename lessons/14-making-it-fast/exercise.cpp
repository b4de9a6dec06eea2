// Lesson 14 · exercise: split the rows of a matrix product over threads.
//
// Write the two functions declared in exercise.hpp:
//   ten_rows_four_threads  the blocks of 10 rows over 4 threads, worked out by hand first
//   row_block        which rows [begin, end) thread t of `threads` gets out of M
//   gemm_split_rows  start one std::thread per block, each calling gemm_naive on its rows of
//                    A and C (the row strides stay K and N), then join them all
// src/ops/matmul.cpp → gemm does the same with OpenMP and cblas_sgemm.
// Check it with:  make exercise LESSON=14
#include "exercise.hpp"

#include "glulab/ops/ops.hpp"

#include <thread>
#include <vector>

namespace lesson14 {

FourBlocks ten_rows_four_threads() {
    // TODO: your four blocks, e.g. return {{{0, 1}, {1, 2}, {2, 3}, {3, 10}}};
    return {};
}

RowBlock row_block(int M, int t, int threads) {
    // TODO: your code here.
    (void)M;
    (void)t;
    (void)threads;
    return {};
}

void gemm_split_rows(int M, int N, int K, const float* A, const float* B, float* C, int threads) {
    // TODO: your code here.
    (void)M;
    (void)N;
    (void)K;
    (void)A;
    (void)B;
    (void)C;
    (void)threads;
}

// Exercise 6: a cache-blocked product. Which loops run over tiles, which inside one, and
// where do the partial tiles at the right and bottom edges end? C's old contents are ignored.
void gemm_tiled(int M, int N, int K, const float* A, const float* B, float* C, int tile) {
    // TODO: your code here.
    (void)M;
    (void)N;
    (void)K;
    (void)A;
    (void)B;
    (void)C;
    (void)tile;
}

}  // namespace lesson14
