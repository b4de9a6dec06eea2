// Lesson 04 · reference solution of the exercise (CI runs the lesson's tests against it).
#include "exercise.hpp"

#include <cstdint>

namespace lesson04 {

// dL/da_ip = sum_j dout_ij b_pj, that is dout @ b^T; dL/db_pj = sum_i a_ip dout_ij, a^T @ dout.
// With b stored (N, K), out_ij = sum_p a_ip b_jp, so dL/db_jp = sum_i dout_ij a_ip: dout^T @ a.
MatmulByHand matmul_by_hand() {
    return {{5, 7, 12, 16}, {1, 6, 2, 8}, {1, 2, 6, 8}};    // dout^T @ a = |1 0| |1 2|    |2 4| |0 2|    |0 2| |3 4|
}

namespace {
// b^T(p, j) when trans_b (b stored (N, K)), else b(p, j) (b stored (K, N)).
float b_at(const float* b, int p, int j, int N, int K, bool trans_b) {
    return trans_b ? b[int64_t{j} * K + p] : b[int64_t{p} * N + j];
}
}  // namespace

void matmul_naive(float* out, const float* a, const float* b, int M, int N, int K, bool trans_b) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double acc = 0.0;
            for (int p = 0; p < K; p++) acc += double(a[int64_t{i} * K + p]) * b_at(b, p, j, N, K, trans_b);
            out[int64_t{i} * N + j] = static_cast<float>(acc);
        }
}

void matmul_backward_naive(float* da, float* db, const float* dout, const float* a,
                           const float* b, int M, int N, int K, bool trans_b) {
    // da (M, K): da(i, p) += sum_j dout(i, j) * op(b)(p, j)
    if (da)
        for (int i = 0; i < M; i++)
            for (int p = 0; p < K; p++) {
                double acc = 0.0;
                for (int j = 0; j < N; j++) acc += double(dout[int64_t{i} * N + j]) * b_at(b, p, j, N, K, trans_b);
                da[int64_t{i} * K + p] += static_cast<float>(acc);
            }
    // d op(b)(p, j) = sum_i a(i, p) * dout(i, j); stored at (p, j), or at (j, p) with trans_b.
    if (db)
        for (int p = 0; p < K; p++)
            for (int j = 0; j < N; j++) {
                double acc = 0.0;
                for (int i = 0; i < M; i++) acc += double(a[int64_t{i} * K + p]) * dout[int64_t{i} * N + j];
                db[trans_b ? int64_t{j} * K + p : int64_t{p} * N + j] += static_cast<float>(acc);
            }
}

// out_ij = sum_p a_pi b_pj, so d out_ij / d a_pi = b_pj and d out_ij / d b_pj = a_pi:
//     da (K, M) += b dout^T      da_pi += sum_j b_pj dout_ij
//     db (K, N) += a dout        db_pj += sum_i a_pi dout_ij
void matmul_at_backward(float* da, float* db, const float* dout, const float* a, const float* b,
                        int M, int N, int K) {
    for (int p = 0; p < K; p++)
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                const float g = dout[static_cast<int64_t>(i) * N + j];
                if (da) da[static_cast<int64_t>(p) * M + i] += b[static_cast<int64_t>(p) * N + j] * g;
                if (db) db[static_cast<int64_t>(p) * N + j] += a[static_cast<int64_t>(p) * M + i] * g;
            }
}

}  // namespace lesson04
