// Lesson 04 · exercise: matmul with the trans_b option, and its backward, as plain loops.
//
// exercise.hpp has the signatures and a small case to work by hand first (matmul_by_hand):
// the backward comes from that derivation. Hints:
//   - Element (i, j) of a row-major (rows, cols) matrix m is m[i * cols + j]. With trans_b, b is
//     stored (N, K): the element b^T(p, j) that the product needs is b[j * K + p].
//   - Let the shapes write the backward for you: da has a's shape (M, K) and must come from
//     dout (M, N) and b; db has b's shape ((K, N), or (N, K) with trans_b) and must come from
//     dout and a. There is one way to multiply them that gives the right shape.
//   - Accumulate sums in double if you like (gemm_naive in src/ops/matmul.cpp does).
// The tests compare with glulab's gemm_naive and matmul_backward, and with central differences.
// Check it with:  make exercise LESSON=04
#include "exercise.hpp"

namespace lesson04 {

MatmulByHand matmul_by_hand() {
    // TODO: your numbers, row-major, e.g. return {{1, 2, 3, 4}, {...}, {...}};
    return {};
}

void matmul_naive(float* out, const float* a, const float* b, int M, int N, int K, bool trans_b) {
    // TODO: your code here.
    (void)out;
    (void)a;
    (void)b;
    (void)M;
    (void)N;
    (void)K;
    (void)trans_b;
}

void matmul_backward_naive(float* da, float* db, const float* dout, const float* a,
                           const float* b, int M, int N, int K, bool trans_b) {
    // TODO: your code here.
    (void)da;
    (void)db;
    (void)dout;
    (void)a;
    (void)b;
    (void)M;
    (void)N;
    (void)K;
    (void)trans_b;
}

// Exercise 5: the backward of out = a^T b. Which products of dout, a and b give da and db,
// and with which transposes? Check the shapes: da must come out (K, M), db (K, N).
void matmul_at_backward(float* da, float* db, const float* dout, const float* a, const float* b,
                        int M, int N, int K) {
    // TODO: your code here.
    (void)da;
    (void)db;
    (void)dout;
    (void)a;
    (void)b;
    (void)M;
    (void)N;
    (void)K;
}

}  // namespace lesson04
