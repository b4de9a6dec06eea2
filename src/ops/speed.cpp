// speed.cpp — the sgemm peak and the step-shaped probe (speed.hpp).
//
// Lesson 14 · making it fast
#include "glulab/ops/speed.hpp"

#include "glulab/ops/ops.hpp"

#include <chrono>
#include <random>
#include <vector>

namespace glulab {

double measure_sgemm_gflops(int M, int N, int K, double seconds) {
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<float> A(static_cast<size_t>(M) * K), B(static_cast<size_t>(K) * N);
    std::vector<float> C(static_cast<size_t>(M) * N);
    for (float& a : A) a = uniform(rng);
    for (float& b : B) b = uniform(rng);

    using clock = std::chrono::steady_clock;
    auto run = [&] {
        auto t0 = clock::now();
        gemm(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C.data(), N);
        return std::chrono::duration<double>(clock::now() - t0).count();
    };
    run();  // warm-up: page faults, OpenBLAS buffers, OpenMP threads
    double best = 1e30, total = 0;
    for (int reps = 0; reps < 3 || total < seconds; reps++) {
        const double t = run();
        best = std::min(best, t);
        total += t;
    }
    return 2.0 * M * N * K / best / 1e9;
}

void step_probe() {
    static constexpr int N = 1024, C = 128;
    std::vector<float> a(size_t{N} * C, 0.5f), w(size_t{C} * C, 0.01f), y(size_t{N} * C);
    for (int rep = 0; rep < 5; rep++) {
        gemm(false, true, N, C, C, 1.0f, a.data(), C, w.data(), C, 0.0f, y.data(), C);
        const int64_t n = int64_t{N} * C;
        float* yp = y.data();
        const float* ap = a.data();
#pragma omp parallel for
        for (int64_t i = 0; i < n; i++) yp[i] += ap[i];
#pragma omp parallel for
        for (int64_t i = 0; i < n; i++) yp[i] *= 0.5f;
    }
}

}  // namespace glulab
