// exercise.hpp — lesson 04's exercise: matmul and its backward, with trans_b, as plain loops.
//
// Lesson 04 · matrix multiplication
#pragma once

namespace lesson04 {

// out (M, N) = a (M, K) @ b (K, N)            when !trans_b
// out (M, N) = a (M, K) @ b^T, b stored (N, K) when  trans_b   (how linear layers read W)
// Row-major; `out` is overwritten (it may hold garbage on entry).
void matmul_naive(float* out, const float* a, const float* b, int M, int N, int K, bool trans_b);

// The backward of matmul_naive, given dout (M, N): ADD the gradients into da (a's shape,
// (M, K)) and db (b's shape: (K, N), or (N, K) with trans_b); skip whichever of them is null.
void matmul_backward_naive(float* da, float* db, const float* dout, const float* a,
                           const float* b, int M, int N, int K, bool trans_b);

// Derive the backward before you write it, on one small case by hand. With
//     a = | 1 2 |    b = | 5 6 |    dout = | 1 0 |        (all (2, 2), row-major)
//         | 3 4 |        | 7 8 |           | 0 2 |
// and L = sum_ij dout_ij out_ij, write down dL/da and dL/db for out = a @ b, and dL/db for
// out = a @ b^T (b read as stored (N, K)), element by element from out_ij = sum_p a_ip b_pj.
// Return the numbers, row-major, as constants: no loops in matmul_by_hand.
struct MatmulByHand {
    float da[4];          // dL/da, out = a @ b
    float db[4];          // dL/db, out = a @ b
    float db_trans_b[4];  // dL/db, out = a @ b^T
};
MatmulByHand matmul_by_hand();

// The product glulab does not have: out (M, N) = a^T b with a (K, M), b (K, N), row-major
// (gemm's trans_a). Its backward, ADDING into da (K, M) and db (K, N); a null array is skipped.
// Derive both from out_ij = sum_p a_pi b_pj before you write the loops.
void matmul_at_backward(float* da, float* db, const float* dout, const float* a, const float* b,
                        int M, int N, int K);

}  // namespace lesson04
