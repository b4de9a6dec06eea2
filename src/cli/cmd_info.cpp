// cmd_info.cpp — `glulab info`: what glulab runs on, and how fast its gemm is here.
//
// Prints the build (compiler, instruction set compiled for), OpenBLAS (config, kernel and how it
// was chosen, threads), OpenMP threads, the CPU features that decide the kernel, and one
// measured sgemm figure. docs/performance.md explains the kernel choice and has numbers.
//
// Lesson 14 · making it fast
#include "commands.hpp"

#include "glulab/ops/speed.hpp"
#include "glulab/platform/blas.hpp"
#include "glulab/platform/dist.hpp"

#include <fmt/core.h>
#include <omp.h>

#include <cstdio>
#include <string>

namespace glulab {

namespace {

// The size of the timed product: big enough to reach OpenBLAS's peak, small enough that
// about 0.3 s gives a dozen or more runs.
constexpr int kSize = 1024;
constexpr double kSeconds = 0.3;

std::string compiler() {
#if defined(__clang__)
    return fmt::format("clang {}", __clang_version__);
#else
    return fmt::format("g++ {}", __VERSION__);
#endif
}

std::string compiled_for() {
#if defined(__AVX512F__)
    return "AVX-512";
#elif defined(__AVX2__)
    return "AVX2";
#elif defined(__AVX__)
    return "AVX";
#else
    return "baseline (no AVX)";
#endif
}

std::string cpu_line(const CpuFeatures& cpu) {
    std::string s;
    if (cpu.avx512) s += "avx512(f,cd,bw,dq,vl) ";
    if (cpu.avx2) s += "avx2 ";
    if (cpu.fma) s += "fma ";
    if (s.empty()) return "no AVX2";
    s.pop_back();
    return s;
}

void run_info() {
    const BlasInfo blas = blas_info();
    const CpuFeatures cpu = cpu_features();
    fmt::print("glulab    built with {}, C++{}, code compiled for {}\n", compiler(),
               __cplusplus / 100 % 100, compiled_for());
    fmt::print("OpenBLAS  {}\n", blas.config);
    fmt::print("  kernel  {} ({})\n", blas.core, blas.chosen_by);
    fmt::print("  threads {} (glulab parallelises with OpenMP instead)\n", blas.threads);
    fmt::print("OpenMP    {} threads (OMP_NUM_THREADS), {} processors\n", omp_get_max_threads(),
               omp_get_num_procs());
    fmt::print("CPU       {}\n", cpu_line(cpu));
    if (!dist_has_mpi())
        fmt::print("MPI       not in this build (make MPI=1 builds build/mpi/glulab with it)\n");
    else
        fmt::print("MPI       built in; {} rank{}{}\n", dist_size(), dist_size() == 1 ? "" : "s",
                   dist_size() == 1 ? " (start it with mpirun -np N for more)" : " (mpirun)");
    const std::string faster = faster_coretype(blas.core, cpu.avx512, cpu.avx2);
    if (!faster.empty())
        fmt::print("  note    the {} kernel is faster on this CPU: export OPENBLAS_CORETYPE={}\n",
                   faster, faster);
    std::fflush(stdout);  // show the above while the timing runs
    const double gflops = measure_sgemm_gflops(kSize, kSize, kSize, kSeconds);
    const int threads = omp_get_max_threads();
    fmt::print("sgemm     {} x {} x {}: {:.1f} GFLOP/s (best run, {} OpenMP thread{})\n", kSize,
               kSize, kSize, gflops, threads, threads == 1 ? "" : "s");
}

}  // namespace

void add_info_command(CLI::App& app) {
    Command* cmd = add_command(
        app, "info", "Show the build, OpenBLAS kernel and threads, CPU features and sgemm GFLOP/s");
    cmd->callback(run_info);
}

}  // namespace glulab
