// Lesson 04 · matrix multiplication — the product, its speed, its backward, and Linear.
//
// 1. A 2x3 by 3x2 product, by gemm_naive and by OpenBLAS; the same with b stored transposed.
// 2. linear(x, W, bias) is matmul with trans_b: W stays (out, in), as in PyTorch.
// 3. The backward as shape algebra: dx, dW and db from the tape, checked against products.
// 4. Speed: the naive triple loop, the same loops in a better order, and OpenBLAS, in GFLOP/s.
#include "glulab/autograd/autograd.hpp"
#include "glulab/ops/speed.hpp"
#include "glulab/platform/blas.hpp"
#include "glulab/ops/ops.hpp"
#include "glulab/platform/rng.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

using namespace glulab;

namespace {

void print_matrix(const char* label, const float* m, int rows, int cols) {
    for (int i = 0; i < rows; i++) {
        fmt::print("{:<16}", i == 0 ? label : "");
        for (int j = 0; j < cols; j++) fmt::print("{:6g}", m[i * cols + j]);
        fmt::print("\n");
    }
}

std::vector<float> normal(size_t n, float std, Rng& rng) {
    std::vector<float> v(n);
    for (float& x : v) x = std * static_cast<float>(rng.normal());
    return v;
}

// max |x - y| / max(1, max |y|): the error relative to the size of the entries.
double rel_diff(const float* x, const float* y, size_t n) {
    double diff = 0, size = 1;
    for (size_t i = 0; i < n; i++) {
        diff = std::max(diff, std::fabs(double(x[i]) - y[i]));
        size = std::max(size, std::fabs(double(y[i])));
    }
    return diff / size;
}

// The textbook loop order i-j-p again, but p-inner reads b down a column: one new cache line
// per multiply-add. Here the order is i-p-j: the inner loop walks a row of b and a row of c,
// both contiguous, so it streams through memory and the compiler can vectorise it.
void matmul_ipj(float* c, const float* a, const float* b, int M, int N, int K) {
    std::fill(c, c + int64_t{M} * N, 0.0f);
    for (int i = 0; i < M; i++)
        for (int p = 0; p < K; p++) {
            const float aip = a[int64_t{i} * K + p];
            const float* brow = b + int64_t{p} * N;
            float* crow = c + int64_t{i} * N;
#pragma omp simd
            for (int j = 0; j < N; j++) crow[j] += aip * brow[j];
        }
}

// The fastest run of each of the three functions, in seconds. They run in turns (one of each per
// round), at least 3 rounds and more until 0.1 s have passed (at most 50), so that a moment when
// another program takes the core slows all three alike, and one slowed-down run does not count.
template <typename F, typename G, typename H>
std::array<double, 3> best_times(F f, G g, H h) {
    std::array<double, 3> best{1e30, 1e30, 1e30};
    double total = 0;
    const auto time = [&](int i, auto&& run) {
        const auto t0 = std::chrono::steady_clock::now();
        run();
        const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best[i] = std::min(best[i], t);
        total += t;
    };
    for (int r = 0; r < 50 && (r < 3 || total < 0.1); r++) {
        time(0, f);
        time(1, g);
        time(2, h);
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    blas_startup(argc, argv, /*verbose=*/false);  // one OpenBLAS thread, its fastest kernel

    // 1. A small product ----------------------------------------------------------------------
    fmt::print("1. out (M, N) = a (M, K) @ b (K, N), M = 2, K = 3, N = 2\n");
    const float a[6] = {1, 2, 3, 4, 5, 6};
    const float b[6] = {1, 0, 0, 1, 1, 1};
    const float bt[6] = {1, 0, 1, 0, 1, 1};  // b stored transposed: (N, K)
    float naive[4], blas[4], blas_t[4];
    gemm_naive(false, false, 2, 2, 3, 1.0f, a, 3, b, 2, 0.0f, naive, 2);
    gemm(false, false, 2, 2, 3, 1.0f, a, 3, b, 2, 0.0f, blas, 2);
    gemm(false, true, 2, 2, 3, 1.0f, a, 3, bt, 3, 0.0f, blas_t, 2);
    print_matrix("a", a, 2, 3);
    print_matrix("b", b, 3, 2);
    print_matrix("gemm_naive", naive, 2, 2);
    print_matrix("gemm", blas, 2, 2);
    print_matrix("b stored (N, K)", bt, 2, 3);
    print_matrix("gemm, trans_b", blas_t, 2, 2);

    // 2. Linear --------------------------------------------------------------------------------
    const int B = 2, T = 3, C = 4, OUT = 5, N = B * T;
    Rng rng(4);
    std::vector<float> x = normal(N * C, 1.0f, rng), W = normal(OUT * C, 0.5f, rng),
                       bias = normal(OUT, 0.1f, rng), G = normal(N * OUT, 1.0f, rng);
    std::vector<float> dx(x.size()), dW(W.size()), dbias(bias.size());
    Tensor X{x.data(), dx.data(), Shape{B, T, C}}, Wt{W.data(), dW.data(), Shape{OUT, C}},
        Bias{bias.data(), dbias.data(), Shape{OUT}}, Gt{G.data(), nullptr, Shape{B, T, OUT}};
    Tape tape;
    Tensor y = linear(tape, X, Wt, Bias);
    fmt::print("\n2. y = linear(x, W, bias): x {}, W {} (out, in), bias {} -> y {}\n", X.shape,
               Wt.shape, Bias.shape, y.shape);
    fmt::print("tape.listing():\n{}", tape.listing());
    // The same with W transposed into a (C, OUT) copy and a plain matmul: identical numbers.
    std::vector<float> W_T(W.size()), y2(y.numel());
    for (int o = 0; o < OUT; o++)
        for (int c = 0; c < C; c++) W_T[size_t(c * OUT + o)] = W[size_t(o * C + c)];
    gemm_naive(false, false, N, OUT, C, 1.0f, x.data(), C, W_T.data(), OUT, 0.0f, y2.data(), OUT);
    for (int i = 0; i < N; i++)
        for (int o = 0; o < OUT; o++) y2[size_t(i * OUT + o)] += bias[size_t(o)];
    fmt::print("y vs x @ (copy of W^T) + bias: rel diff below 1e-6: {}\n",
               rel_diff(y.data, y2.data(), y2.size()) < 1e-6 ? "yes" : "no");

    // 3. Backward -------------------------------------------------------------------------------
    Tensor L = sum(tape, mul(tape, y, Gt));  // L = sum(y * G), so dL/dy = G
    tape.backward(L);
    fmt::print("\n3. Backward of L = sum(y * G): dy = G, shape {}, seen as ({}, {})\n", Gt.shape, N,
               OUT);
    std::vector<float> want_dx(dx.size()), want_dW(dW.size()), want_db(OUT, 0.0f);
    gemm_naive(false, false, N, C, OUT, 1.0f, G.data(), OUT, W.data(), C, 0.0f, want_dx.data(), C);
    gemm_naive(true, false, OUT, C, N, 1.0f, G.data(), OUT, x.data(), C, 0.0f, want_dW.data(), C);
    for (int i = 0; i < N; i++)
        for (int o = 0; o < OUT; o++) want_db[size_t(o)] += G[size_t(i * OUT + o)];
    auto agree = [](const std::vector<float>& got, const std::vector<float>& want) {
        return rel_diff(got.data(), want.data(), want.size()) < 1e-6 ? "yes" : "no";
    };
    auto row = [&](const char* name, Shape shape, std::string formula, const char* agrees) {
        fmt::print("  {} {:<10} = {:<28} tape agrees: {}\n", name, shape.str(), formula, agrees);
    };
    row("dx", X.shape, fmt::format("dy ({}, {}) @ W ({}, {})", N, OUT, OUT, C), agree(dx, want_dx));
    row("dW", Wt.shape, fmt::format("dy^T ({}, {}) @ x ({}, {})", OUT, N, N, C), agree(dW, want_dW));
    row("db", Bias.shape, fmt::format("column sums of dy ({}, {})", N, OUT), agree(dbias, want_db));

    // 4. Speed ----------------------------------------------------------------------------------
    // One thread for all three, so that the ratio compares kernels, not thread counts (and a
    // thread waiting for a busy core cannot slow gemm down).
    omp_set_num_threads(1);
    fmt::print("\n4. C (n, n) = A (n, n) @ B (n, n), one thread, 2 n^3 flops, GFLOP/s of the best run\n");
    fmt::print("     n   gemm_naive (i-j-p)   loops i-p-j   OpenBLAS gemm   gemm / naive\n");
    bool all_agree = true;
    for (int n : {64, 128, 256}) {
        std::vector<float> A = normal(size_t(n) * n, 1.0f, rng), Bm = normal(size_t(n) * n, 1.0f, rng);
        std::vector<float> c1(size_t(n) * n), c2(c1.size()), c3(c1.size());
        const double flop = 2.0 * n * n * n;
        const auto [t_naive, t_ipj, t_blas] = best_times(
            [&] { gemm_naive(false, false, n, n, n, 1.0f, A.data(), n, Bm.data(), n, 0.0f, c1.data(), n); },
            [&] { matmul_ipj(c2.data(), A.data(), Bm.data(), n, n, n); },
            [&] { gemm(false, false, n, n, n, 1.0f, A.data(), n, Bm.data(), n, 0.0f, c3.data(), n); });
        // three significant digits, so that a ratio below 1 (a busy machine) does not print as 0x
        fmt::print("  {:4}   {:10.2f}          {:8.2f}      {:8.1f}        {:>6.3g}x\n", n,
                   flop / t_naive / 1e9, flop / t_ipj / 1e9, flop / t_blas / 1e9, t_naive / t_blas);
        all_agree = all_agree && rel_diff(c2.data(), c1.data(), c1.size()) < 1e-4 &&
                    rel_diff(c3.data(), c1.data(), c1.size()) < 1e-4;
    }
    fmt::print("  the three results agree to 1e-4 at every size: {}\n", all_agree ? "yes" : "NO");
    const double peak = measure_sgemm_gflops(512, 512, 512, 0.1);
    fmt::print("  OpenBLAS at n = 512: {:.1f} GFLOP/s\n", peak);
    return 0;
}
