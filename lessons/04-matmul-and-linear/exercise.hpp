// exercise.hpp — lesson 04's exercise: matmul and its backward, with trans_b, as plain loops.
//
// Lesson 04 · matrix multiplication
#pragma once

namespace lesson04 {

// out (M, N) = a (M, K) @ b (K, N)            when !trans_b
// out (M, N) = a (M, K) @ b^T, b stored (N, K) when  trans_b   (how linear layers read W)
// Row-major; `out` is overwritten (it may hold garbage on entry).
void matmul_naive(float* out, const float* a, const float* b, int M, int N, int K, bool trans_b);

// The backward of matmul_naive, given dout (M, N):
//   da (M, K) += dout @ b^T                    trans_b: da += dout @ b
//   db (K, N) += a^T @ dout                    trans_b: db (N, K) += dout^T @ a
// ADD into da and db (+=); skip whichever of them is null.
void matmul_backward_naive(float* da, float* db, const float* dout, const float* a,
                           const float* b, int M, int N, int K, bool trans_b);

// The product glulab does not have: out (M, N) = a^T b with a (K, M), b (K, N), row-major
// (gemm's trans_a). Its backward, ADDING into da (K, M) and db (K, N); a null array is skipped.
// Derive both from out_ij = sum_p a_pi b_pj before you write the loops.
void matmul_at_backward(float* da, float* db, const float* dout, const float* a, const float* b,
                        int M, int N, int K);

}  // namespace lesson04
