// Lesson 14 · making it fast — where a CPU spends its time, measured.
//
// 1. Which OpenBLAS kernel runs, and with how many threads (blas.hpp → blas_startup, blas_info).
// 2. gemm (OpenBLAS) against gemm_naive (the triple loop) at a few sizes, on one thread:
//    GFLOP/s = 2 n^3 / seconds / 1e9, and a check that both give the same product.
// 3. Threads: gemm splits the rows of C over OpenMP threads (src/ops/matmul.cpp → gemm).
// 4. Vectorisation: silu over a million floats, one expf call per element against
//    silu_forward, whose loop calls glibc's vector expf (src/ops/act_scalar.hpp).
// 5. Memory: five training steps of a small model; only the first one allocates.
// Every time and speed depends on the machine; the README shows them as [...].
#include "glulab/platform/alloc_counter.hpp"
#include "glulab/platform/blas.hpp"
#include "glulab/nn/model.hpp"
#include "glulab/train/optim.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <new>
#include <vector>

using namespace glulab;

// Counting heap allocations
// -------------------------
// heap_allocations() (include/glulab/platform/alloc_counter.hpp) counts every operator new of
// the program: the library replaces the global operator new and delete for a program that
// calls it, as the unit tests do for tests/test_alloc.cpp.

namespace {

// The fastest of at least 3 runs of f, and of as many as fit in `budget` seconds.
template <class F>
double best_seconds(F&& f, double budget = 0.02) {
    using clock = std::chrono::steady_clock;
    double best = 1e30, total = 0;
    for (int reps = 0; reps < 3 || total < budget; reps++) {
        const auto t0 = clock::now();
        f();
        const double t = std::chrono::duration<double>(clock::now() - t0).count();
        best = std::min(best, t);
        total += t;
    }
    return best;
}

std::vector<float> random_floats(size_t n, Rng& rng) {
    std::vector<float> x(n);
    for (float& v : x) v = static_cast<float>(rng.uniform()) * 2.0f - 1.0f;
    return x;
}

// |a - b| relative to the largest |b|: float rounding gives about 1e-7.
double rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double diff = 0, size = 0;
    for (size_t i = 0; i < a.size(); i++) {
        diff = std::max(diff, std::fabs(double(a[i]) - b[i]));
        size = std::max(size, std::fabs(double(b[i])));
    }
    return diff / size;
}

// silu one element at a time. GCC's vectoriser is switched off for this function, so the loop
// calls the scalar expf once per element, as any loop does whose math function has no vector
// version declared.
[[gnu::optimize("no-tree-vectorize"), gnu::noinline]] void silu_scalar(float* out, const float* x,
                                                                       int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = x[i] / (1.0f + std::exp(-x[i]));
}

}  // namespace

int main(int argc, char** argv) {
    blas_startup(argc, argv, /*verbose=*/false);  // may restart this program with a faster kernel
    const int max_threads = omp_get_max_threads();
    Rng rng(14);

    // 1. OpenBLAS
    const BlasInfo blas = blas_info();
    fmt::print("1. OpenBLAS\n");
    fmt::print("  kernel {} ({})\n", blas.core, blas.chosen_by);
    fmt::print("  OpenBLAS threads: {} (glulab splits the rows of C over OpenMP threads instead)\n",
               blas.threads);

    // 2. gemm against gemm_naive, one thread
    omp_set_num_threads(1);
    fmt::print("\n2. C (n, n) = A (n, n) B (n, n), one thread, 2 n^3 flops\n");
    for (int n : {64, 128, 256}) {
        const size_t nn = static_cast<size_t>(n) * n;
        const std::vector<float> A = random_floats(nn, rng), B = random_floats(nn, rng);
        std::vector<float> C(nn), ref(nn);
        const double t_naive = best_seconds([&] {
            gemm_naive(false, false, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, ref.data(), n);
        });
        const double t_gemm = best_seconds([&] {
            gemm(false, false, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, C.data(), n);
        });
        const double flops = 2.0 * n * n * n;
        fmt::print("  n = {:3}: naive {:.2f} GFLOP/s, gemm {:.1f} GFLOP/s ({:.3g}x), same result: {}\n",
                   n, flops / t_naive / 1e9, flops / t_gemm / 1e9, t_naive / t_gemm,
                   rel_diff(C, ref) < 1e-5 ? "yes" : "NO");
    }

    // 3. Threads: the same gemm, its rows split over 1 and then all OpenMP threads
    fmt::print("\n3. gemm 512 x 512 x 512, rows of C split over OpenMP threads\n");
    {
        const int n = 512;
        const size_t nn = static_cast<size_t>(n) * n;
        const std::vector<float> A = random_floats(nn, rng), B = random_floats(nn, rng);
        std::vector<float> C(nn);
        for (int threads : {1, max_threads}) {
            omp_set_num_threads(threads);
            const double t = best_seconds([&] {
                gemm(false, false, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, C.data(), n);
            });
            fmt::print("  {} {}: {:.1f} GFLOP/s\n", threads, threads == 1 ? "thread " : "threads",
                       2.0 * n * n * n / t / 1e9);
        }
    }

    // 4. Vectorisation: one thread, so only the vector width differs
    omp_set_num_threads(1);
    fmt::print("\n4. silu over 1048576 floats, one thread\n");
    {
        const int64_t n = int64_t{1} << 20;
        std::vector<float> x = random_floats(static_cast<size_t>(n), rng);
        for (float& v : x) v *= 6.0f;  // [-6, 6): both tails of the sigmoid
        std::vector<float> scalar(x.size()), vector(x.size());
        const double t_scalar = best_seconds([&] { silu_scalar(scalar.data(), x.data(), n); });
        const double t_vector = best_seconds([&] { silu_forward(vector.data(), x.data(), n); });
        fmt::print("  one expf call per element: {:.2f} ms\n", 1e3 * t_scalar);
        fmt::print("  silu_forward (vector expf): {:.2f} ms ({:.1f}x faster)\n", 1e3 * t_vector,
                   t_scalar / t_vector);
        fmt::print("  same values to 1e-6: {}\n", rel_diff(vector, scalar) < 1e-6 ? "yes" : "NO");
    }

    // 5. Memory: the arena and the node list grow in step 1 and are reused after
    omp_set_num_threads(max_threads);
    fmt::print("\n5. training steps of a swiglu model (L=2, C=64, T=32, B=8)\n");
    {
        const int B = 8, T = 32, V = 65;
        Transformer model(ModelConfig{.vocab_size = V, .ctx = T, .layers = 2, .d_model = 64,
                                      .heads = 4, .ffn = FfnKind::swiglu});
        model.init(1337);
        std::vector<int> idx(B * T), tgt(B * T);
        for (size_t i = 0; i < idx.size(); i++) {
            idx[i] = static_cast<int>(rng.below(V));
            tgt[i] = static_cast<int>(rng.below(V));
        }
        const OptimConfig opt{.warmup = 1, .steps = 5};
        Tape tape;
        for (int step = 0; step < 5; step++) {
            const long before = heap_allocations();
            tape.reset();
            model.params().zero_grad();
            Tensor loss = model.loss(tape, idx.data(), tgt.data(), B, T);
            tape.backward(loss);
            clip_grad_norm(model.params(), opt.clip);
            adamw_step(model.params(), opt, learning_rate(opt, step), step + 1);
            fmt::print("  step {}: {:3} heap allocations, {} tape nodes, arena {} floats in {} blocks\n",
                       step + 1, heap_allocations() - before, tape.nodes().size(),
                       tape.arena().used_floats(), tape.arena().block_count());
        }
    }
    return 0;
}
