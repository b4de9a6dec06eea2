// gemm_trace.hpp — a record of gemm's calls: the shapes of a step's matrix products.
//
// `glulab bench --products` (src/cli/cmd_bench.cpp → time_products) turns the trace on for one
// training step, then replays the recorded calls alone to time the step's matrix products
// without the ops between them. Off (null) everywhere else: gemm then only tests a pointer.
// The trace is not part of the kernel: gemm calls a hook, set_gemm_hook, and the trace
// (src/ops/gemm_trace.cpp) is one such hook.
//
// Lesson 14 · making it fast
#pragma once

#include <vector>

namespace glulab {

// One call of gemm (src/ops/matmul.cpp), its shape only. in_parallel: made inside a parallel
// region (attention's loop over heads), even one of a single thread; there gemm never splits
// the rows over threads.
struct GemmCall {
    bool trans_a, trans_b;
    int M, N, K;
    float alpha;
    int lda, ldb;
    float beta;
    int ldc;
    bool in_parallel;
};

// A function gemm calls with each call's shape before computing it (in_parallel left false);
// null, the default, calls nothing. One hook at a time: setting one replaces the last.
using GemmHook = void (*)(const GemmCall& call);
void set_gemm_hook(GemmHook hook);

// While gemm_trace(&calls) is on, gemm appends every call to `calls` (from any thread);
// gemm_trace(nullptr) turns it off. It installs its own hook (set_gemm_hook).
void gemm_trace(std::vector<GemmCall>* calls);

}  // namespace glulab
