// bench_products.cpp — a step's matrix products replayed alone (bench_products.hpp).
//
// Lesson 14 · making it fast
#include "bench_products.hpp"

#include "glulab/ops/ops.hpp"
#include "glulab/platform/threads.hpp"

#include <fmt/core.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace glulab {

// --products
// ----------
// The ceiling for the step's share of the peak: its matrix products with nothing between them.
// One step runs with gemm_trace on (src/ops/matmul.cpp → gemm), and its calls are replayed in
// the same order on scratch arrays large enough for every call, with the same threads: a call
// the step made outside a parallel region goes through gemm again, which splits its rows as it
// did; a run of calls made inside one (attention's loop over heads) becomes one parallel loop
// over those calls, each thread with its own output array, each call on one thread, as there.
// The replay repeats for `seconds` (at least 3 times); the median replay is the result, and
// the median time of each of its two parts: the products made outside parallel regions (the
// linear layers, split over the threads) and those made inside (attention's, one per call).
//
// Per shape (transposes, M, N, K, beta, inside a parallel region or not) the replay also adds up
// the time of that shape's calls: wall time for a call outside parallel regions; a parallel
// loop's wall time is shared among its shapes in proportion to the threads' time in each. The
// table prints each shape's median, largest first, so a note can say which shapes lose.
namespace {
bool same_shape(const GemmCall& a, const GemmCall& b) {
    return a.trans_a == b.trans_a && a.trans_b == b.trans_b && a.M == b.M && a.N == b.N && a.K == b.K &&
           a.beta == b.beta && a.in_parallel == b.in_parallel;
}

}  // namespace

ProductTiming time_products(const std::vector<GemmCall>& calls, double seconds) {
    ProductTiming t;
    t.calls = calls.size();
    std::vector<size_t> shape_of;  // calls[i] is of shape t.shapes[shape_of[i]]
    int64_t a_n = 0, b_n = 0, c_n = 0;  // floats each call reads from A and B and writes in C
    for (const GemmCall& g : calls) {
        const double flops = 2.0 * g.M * g.N * g.K;
        size_t k = 0;
        while (k < t.shapes.size() && !same_shape(t.shapes[k].shape, g)) k++;
        if (k == t.shapes.size()) t.shapes.push_back({g});
        t.shapes[k].calls++;
        t.shapes[k].flops += flops;
        shape_of.push_back(k);
        t.flops += flops;
        (g.in_parallel ? t.heads_flops : t.split_flops) += flops;
        t.heads_calls += g.in_parallel;
        const int64_t a_rows = g.trans_a ? g.K : g.M, a_cols = g.trans_a ? g.M : g.K;
        const int64_t b_rows = g.trans_b ? g.N : g.K, b_cols = g.trans_b ? g.K : g.N;
        a_n = std::max(a_n, (a_rows - 1) * g.lda + a_cols);
        b_n = std::max(b_n, (b_rows - 1) * g.ldb + b_cols);
        c_n = std::max(c_n, int64_t{g.M - 1} * g.ldc + g.N);
    }
    const int threads = omp_get_max_threads();
    const std::vector<float> A(static_cast<size_t>(a_n), 0.01f), B(static_cast<size_t>(b_n), 0.01f);
    std::vector<std::vector<float>> C(static_cast<size_t>(threads), std::vector<float>(static_cast<size_t>(c_n)));
    auto run = [&](const GemmCall& g, float* c) {
        gemm(g.trans_a, g.trans_b, g.M, g.N, g.K, g.alpha, A.data(), g.lda, B.data(), g.ldb, g.beta, c, g.ldc);
    };
    using clock = std::chrono::steady_clock;
    auto ms_since = [](clock::time_point t0) {
        return std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    };
    double split_ms = 0, heads_ms = 0;  // of the replay in progress
    std::vector<double> shape_ms(t.shapes.size());  // of the replay in progress, per shape
    // Of the parallel loop in progress: per thread, per shape, the milliseconds of its calls.
    std::vector<std::vector<double>> loop_ms(static_cast<size_t>(threads), std::vector<double>(t.shapes.size()));
    auto replay = [&] {
        split_ms = heads_ms = 0;
        std::fill(shape_ms.begin(), shape_ms.end(), 0.0);
        for (size_t i = 0; i < calls.size();) {
            const auto t0 = clock::now();
            if (!calls[i].in_parallel) {
                run(calls[i], C[0].data());
                const double dt = ms_since(t0);
                split_ms += dt;
                shape_ms[shape_of[i++]] += dt;
                continue;
            }
            size_t end = i;
            while (end < calls.size() && calls[end].in_parallel) end++;
            for (auto& per_thread : loop_ms) std::fill(per_thread.begin(), per_thread.end(), 0.0);
#pragma omp parallel for schedule(static)
            for (size_t j = i; j < end; j++) {
                const size_t me = static_cast<size_t>(omp_get_thread_num());
                const auto c0 = clock::now();
                run(calls[j], C[me].data());
                loop_ms[me][shape_of[j]] += ms_since(c0);
            }
            const double dt = ms_since(t0);
            double busy = 0;  // all threads' time in the loop's calls
            for (const auto& per_thread : loop_ms)
                for (double x : per_thread) busy += x;
            for (const auto& per_thread : loop_ms)
                for (size_t k = 0; k < shape_ms.size(); k++) shape_ms[k] += busy > 0 ? dt * per_thread[k] / busy : 0.0;
            i = end;
            heads_ms += dt;
        }
    };
    replay();  // warm-up: page faults, OpenBLAS's buffers
    std::vector<double> ms, split, heads;
    std::vector<std::vector<double>> per_shape(t.shapes.size());  // per shape, per replay
    double total = 0;
    while (ms.size() < 3 || total < 1e3 * seconds) {
        const auto t0 = clock::now();
        replay();
        ms.push_back(ms_since(t0));
        split.push_back(split_ms);
        heads.push_back(heads_ms);
        for (size_t k = 0; k < t.shapes.size(); k++) per_shape[k].push_back(shape_ms[k]);
        total += ms.back();
    }
    t.ms = median(ms);
    t.split_ms = median(split);
    t.heads_ms = median(heads);
    for (size_t k = 0; k < t.shapes.size(); k++) t.shapes[k].ms = median(per_shape[k]);
    std::sort(t.shapes.begin(), t.shapes.end(), [](const auto& a, const auto& b) { return a.ms > b.ms; });
    return t;
}

// The --products table: one line per shape, largest time first.
void print_product_shapes(const ProductTiming& t, double peak) {
    fmt::print("    {:>2} {:>5} {:>5} {:>5} {:>4} {:>6} {:>7} {:>8} {:>7}  {}\n", "op", "M", "N", "K", "beta",
               "calls", "GFLOP", "ms", "peak", "made");
    for (const ShapeTiming& s : t.shapes) {
        const GemmCall& g = s.shape;
        fmt::print("    {}{} {:>5} {:>5} {:>5} {:>4} {:>6} {:>7.3f} {:>8.3f} {:>6.0f}%  {}\n", g.trans_a ? 'T' : 'N',
                   g.trans_b ? 'T' : 'N', g.M, g.N, g.K, g.beta, s.calls, s.flops / 1e9, s.ms,
                   100 * s.flops / (s.ms / 1e3) / 1e9 / peak, g.in_parallel ? "inside a parallel loop" : "outside, split");
    }
}

}  // namespace glulab
