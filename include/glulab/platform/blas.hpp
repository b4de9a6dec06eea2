// blas.hpp — which OpenBLAS kernels glulab runs on, and how fast they are.
//
// Almost all of glulab's time goes into `gemm` (ops.hpp), which calls OpenBLAS's cblas_sgemm.
// The Debian OpenBLAS is built with DYNAMIC_ARCH: it carries kernels for many CPU families
// ("cores": Prescott, Haswell, SkylakeX, ...) and picks one when the library loads, either
// from the environment variable OPENBLAS_CORETYPE or by detecting the CPU. Detection can fail
// on CPUs newer than the library and fall back to an old SSE kernel that runs several times
// slower. Nothing breaks; everything is just slow. `blas_startup` guards against that:
//
//   - OpenBLAS gets 1 thread: glulab parallelises with OpenMP (it splits a gemm's rows over
//     OpenMP threads), and two thread pools on the same cores fight for them.
//   - OPENBLAS_CORETYPE set by you is always respected.
//   - Unset, and OpenBLAS picked a kernel for an older instruction set than the CPU has
//     (`preferred_coretype`): glulab sets OPENBLAS_CORETYPE and restarts itself once (execv of
//     /proc/self/exe with the same arguments), because the kernel is chosen only at load
//     time. The restarted process checks one sgemm against a naive triple loop.
//     GLULAB_NO_BLAS_REEXEC=1 turns the restart off.
//
// What it leaves out: the gemm itself (src/ops/matmul.cpp) and the benchmarks (`glulab bench`).
// docs/performance.md has the measured numbers.
//
// Lesson 14 · making it fast
#pragma once

#include <string>
#include <string_view>

namespace glulab {

// BlasInfo
// --------
// What OpenBLAS runs on right now.
struct BlasInfo {
    std::string config;     // "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake ..."
    std::string core;       // the kernel family in use: "Cooperlake", "Haswell", "Prescott", ...
    int threads = 0;        // OpenBLAS's own threads (1 after blas_startup)
    std::string chosen_by;  // "autodetected", "OPENBLAS_CORETYPE=Haswell (your setting)", ...
};
BlasInfo blas_info();

// The CPU's vector instruction sets that matter for choosing a kernel.
struct CpuFeatures {
    bool avx512 = false;  // the Skylake-X set: avx512f, cd, bw, dq and vl
    bool avx2 = false;
    bool fma = false;
};
CpuFeatures cpu_features();

// Choosing a kernel (pure functions, unit-tested)
// -----------------------------------------------
// The rule: rank each OpenBLAS core by the widest instruction set its kernels use
// (0 SSE, 1 AVX, 2 AVX2, 3 AVX-512); rank the CPU the same way (3 with AVX-512, 2 with AVX2).
// If the core ranks below the CPU, the faster core is "SkylakeX" (AVX-512) or "Haswell" (AVX2).
// Unknown core names are left alone.

// The instruction-set rank of an OpenBLAS core name, or -1 for a name glulab does not know.
int coretype_rank(std::string_view core);
// The core glulab would ask for on this CPU when `current_core` is slower; "" when it is not.
std::string faster_coretype(std::string_view current_core, bool avx512, bool avx2);
// What blas_startup asks for: faster_coretype, unless the user set OPENBLAS_CORETYPE
// (`user_set`), which is always respected. "" means: change nothing.
std::string preferred_coretype(std::string_view current_core, bool avx512, bool avx2,
                               bool user_set);

// Startup
// -------
// Call first thing in main(). May replace the process (see the top of this file); `argv` must
// be main's own, null-terminated. With `verbose`, prints the OpenBLAS config, core, threads
// and OpenMP threads to stderr, plus a one-line note when a faster kernel exists.
void blas_startup(int argc, char** argv, bool verbose);

// Does cblas_sgemm agree with the naive triple loop (summed in double) on a small random
// product? Stores the max relative error in `*max_rel_err` when given.
bool sgemm_agrees_with_naive(double* max_rel_err = nullptr);

// How fast gemm runs: ops/speed.hpp → measure_sgemm_gflops (it times the kernel layer's gemm).

}  // namespace glulab
