// matmul.cpp — matrix products: gemm on OpenBLAS, its naive reference, and the matmul op.
//
// Contains: gemm (cblas_sgemm, rows of C split over OpenMP threads when that pays, cblas_sgemv
// for a single row; a hook that sees each call, set_gemm_hook: `glulab bench --products` traces
// the calls with it, src/ops/gemm_trace.cpp), gemm_naive (the triple loop that tests hold gemm
// to), matmul_forward and matmul_backward. Leaves out:
// batched products (attention.cpp loops over heads itself) and writing a fast gemm by hand
// (lesson 04 shows why blocking for the cache matters, then leaves it to OpenBLAS).
//
// OpenBLAS is asked to run on one thread (the program calls openblas_set_num_threads(1) at
// start); all of glulab's parallelism is OpenMP, so threads never nest.
//
// Lesson 04 · matrix multiplication
#include "glulab/ops/ops.hpp"
#include "glulab/ops/gemm_trace.hpp"

#include <cblas.h>
#include <omp.h>

#include <algorithm>

namespace glulab {

// gemm
// ----
//     C (M, N) = alpha * op(A) (M, K) @ op(B) (K, N) + beta * C
//
// Row-major, as everywhere in glulab. op(A) = A when !trans_a, so A is stored (M, K); with
// trans_a, A is stored (K, M) and read as its transpose. Likewise B is stored (K, N), or (N, K)
// with trans_b. `lda`, `ldb`, `ldc` are row strides, so a block of a larger matrix (one head's
// columns of qkv) can be used in place without a copy. With beta = 0, C is only written, never
// read: it may hold garbage (even NaN) on entry.
//
// Splitting: row i of C needs only row i of op(A) and all of op(B), so the rows of C can be
// cut into blocks [i0, i1) and each block computed by its own cblas_sgemm call. The slice of
// op(A) starts at row i0 of A (A + i0 * lda), or, with trans_a, at column i0 of A (A + i0).
// The blocks depend on the shape alone, never on the number of threads: OpenBLAS may sum a
// block's products in another order than a taller or shorter block's (a small block can take
// its small-matrix kernel), so blocks cut by thread count gave other bits at 3 threads than at
// 1 (docs/cli.md → "Threads and bit-exact runs"). With fixed blocks every thread count makes the
// same calls; the threads only share them out. We split only when the work M*N*K is worth it;
// inside a parallel region (attention calls gemm from one thread per head) the same blocks run
// one after the other on the calling thread.
//
// Why rows, and not columns or OpenBLAS's own threads, and where the threshold below comes
// from: docs/performance.md → "Measurements behind the kernels' choices". What keeps the
// products from the peak is the kernel at these sizes on each core (docs/performance.md →
// "The products, shape by shape").
namespace {
// M*N*K below this runs on one thread: starting the threads costs more than they save.
constexpr int64_t gemm_split_min = int64_t{1} << 19;
// At most 12 blocks (1, 2, 3, 4 and 6 threads share them evenly) of at least 16 rows (shorter
// blocks would mostly repack op(B)).
constexpr int gemm_max_blocks = 12;
constexpr int gemm_min_block_rows = 16;

GemmHook hook = nullptr;  // null unless a tool watches the calls (gemm_trace.hpp)
}  // namespace

void set_gemm_hook(GemmHook h) { hook = h; }

void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc) {
    if (M == 0 || N == 0) return;
    if (hook) hook({trans_a, trans_b, M, N, K, alpha, lda, ldb, beta, ldc, false});
    const CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
    const CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
    if (M == 1 && !trans_a) {
        // One row of A (a sampler's new position): c (N) = alpha a (K) op(B) + beta c is a
        // matrix-vector product. sgemm would copy ("pack") all of B first, which for one row
        // costs more than the product itself; sgemv reads B once, in place. beta = 0 becomes a
        // zero fill and beta = 1: c may hold NaN (which sgemv's own scaling by 0 may keep, by
        // BLAS version), and with beta = 1 sgemv skips that pass over c instead of repeating it.
        if (beta == 0.0f) {
            std::fill_n(C, N, 0.0f);
            beta = 1.0f;
        }
        if (trans_b) cblas_sgemv(CblasRowMajor, CblasNoTrans, N, K, alpha, B, ldb, A, 1, beta, C, 1);
        else cblas_sgemv(CblasRowMajor, CblasTrans, K, N, alpha, B, ldb, A, 1, beta, C, 1);
        return;
    }
    const int64_t work = int64_t{M} * N * K;
    const int blocks = work < gemm_split_min ? 1 : std::clamp(M / gemm_min_block_rows, 1, gemm_max_blocks);
    const auto block = [=](int b) {  // rows [i0, i1) of C: the same cut at any thread count
        const int i0 = static_cast<int>(int64_t{M} * b / blocks);
        const int i1 = static_cast<int>(int64_t{M} * (b + 1) / blocks);
        const float* A0 = trans_a ? A + i0 : A + int64_t{i0} * lda;
        cblas_sgemm(CblasRowMajor, ta, tb, i1 - i0, N, K, alpha, A0, lda, B, ldb, beta, C + int64_t{i0} * ldc, ldc);
    };
    if (blocks == 1 || omp_in_parallel() || omp_get_max_threads() == 1) {
        for (int b = 0; b < blocks; b++) block(b);
        return;
    }
#pragma omp parallel for schedule(static)
    for (int b = 0; b < blocks; b++) block(b);
}

// gemm_naive: the definition, one dot product per element of C, accumulated in double.
void gemm_naive(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A,
                int lda, const float* B, int ldb, float beta, float* C, int ldc) {
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            double acc = 0.0;
            for (int p = 0; p < K; p++) {
                float a = trans_a ? A[int64_t{p} * lda + i] : A[int64_t{i} * lda + p];
                float b = trans_b ? B[int64_t{j} * ldb + p] : B[int64_t{p} * ldb + j];
                acc += static_cast<double>(a) * b;
            }
            float& c = C[int64_t{i} * ldc + j];
            c = alpha * static_cast<float>(acc) + (beta == 0.0f ? 0.0f : beta * c);
        }
    }
}

// matmul
// ------
//     out (M, N) = a (M, K) @ b (K, N)             or, with trans_b,  a (M, K) @ b^T, b (N, K)
//
// Backward as shape algebra: each gradient has its tensor's shape, and there is one way to
// multiply dout (M, N) with the other operand to get it.
//
//     da (M, K) += dout (M, N) @ b^T (N, K)        trans_b: += dout (M, N) @ b (N, K)
//     db (K, N) += a^T (K, M) @ dout (M, N)        trans_b: db (N, K) += dout^T (N, M) @ a (M, K)
//
// Both backward products pass beta = 1, so gemm adds into da and db instead of overwriting.
// linear layers use trans_b: their weight is stored (out, in), as in PyTorch.
void matmul_forward(float* out, const float* a, const float* b, int M, int N, int K, bool trans_b) {
    gemm(false, trans_b, M, N, K, 1.0f, a, K, b, trans_b ? K : N, 0.0f, out, N);
}

void matmul_backward(float* da, float* db, const float* dout, const float* a, const float* b,
                     int M, int N, int K, bool trans_b) {
    if (da) {
        if (trans_b) gemm(false, false, M, K, N, 1.0f, dout, N, b, K, 1.0f, da, K);
        else gemm(false, true, M, K, N, 1.0f, dout, N, b, N, 1.0f, da, K);
    }
    if (db) {
        if (trans_b) gemm(true, false, N, K, M, 1.0f, dout, N, a, K, 1.0f, db, K);
        else gemm(true, false, K, N, M, 1.0f, a, K, dout, N, 1.0f, db, N);
    }
}

}  // namespace glulab
