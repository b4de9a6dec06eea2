// blas.cpp — choosing OpenBLAS's kernels at startup, checking and timing them (see blas.hpp).
//
// Lesson 14 · making it fast
#include "glulab/platform/blas.hpp"


#include <cblas.h>
#include <fmt/core.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace glulab {

namespace {

// The environment variables of this file.
constexpr const char* kCoretype = "OPENBLAS_CORETYPE";   // read by OpenBLAS when it loads
constexpr const char* kRestarted = "GLULAB_BLAS_REEXEC";  // set by glulab before it restarts:
                                                          // the core OpenBLAS had picked
constexpr const char* kNoRestart = "GLULAB_NO_BLAS_REEXEC";  // =1: never restart

// Is the variable set to something (OPENBLAS_CORETYPE)?
bool env_nonempty(const char* name) {
    const char* v = std::getenv(name);
    return v && *v;
}
// Is the switch on (GLULAB_NO_BLAS_REEXEC=1; empty or 0 mean off)?
bool env_flag(const char* name) {
    return env_nonempty(name) && std::strcmp(std::getenv(name), "0") != 0;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

constexpr std::array<const char*, 4> kRankNames = {"SSE", "AVX", "AVX2", "AVX-512"};

// The x86-64 cores of OpenBLAS's DYNAMIC_ARCH builds (0.3.21's, plus SapphireRapids from later
// versions), ranked by the widest instruction set their kernels use.
struct CoreRank {
    std::string_view name;
    int rank;
};
constexpr CoreRank kCoreRanks[] = {
    {"Katmai", 0},      {"Coppermine", 0},   {"Northwood", 0},     {"Prescott", 0},
    {"Banias", 0},      {"Atom", 0},         {"Core2", 0},         {"Penryn", 0},
    {"Dunnington", 0},  {"Nehalem", 0},      {"Athlon", 0},        {"Opteron", 0},
    {"Opteron_SSE3", 0}, {"Barcelona", 0},   {"Nano", 0},          {"Bobcat", 0},
    {"Sandybridge", 1}, {"Bulldozer", 1},    {"Piledriver", 1},    {"Steamroller", 1},
    {"Excavator", 1},   {"Haswell", 2},      {"Zen", 2},           {"SkylakeX", 3},
    {"Cooperlake", 3},  {"SapphireRapids", 3},
};

bool dynamic_arch() { return std::strstr(openblas_get_config(), "DYNAMIC_ARCH") != nullptr; }

// Restart this program with OPENBLAS_CORETYPE=want. Returns only if execv failed.
void restart_with(const std::string& want, const std::string& core, char** argv) {
    setenv(kCoretype, want.c_str(), 1);
    setenv(kRestarted, core.c_str(), 1);
    std::fflush(nullptr);
    execv("/proc/self/exe", argv);
    const int err = errno;
    unsetenv(kCoretype);
    unsetenv(kRestarted);
    fmt::print(stderr,
               "glulab: warning: OpenBLAS runs its slow {} kernel and glulab could not restart "
               "itself with the {} kernel ({}); fix: export {}={}\n",
               core, want, std::strerror(err), kCoretype, want);
}

// In the restarted process: does the kernel glulab asked for compute correctly?
void check_restarted(const char* picked_before, const std::string& core) {
    double err = 0;
    if (sgemm_agrees_with_naive(&err)) return;
    fmt::print(stderr,
               "glulab: warning: OpenBLAS's {} kernel, chosen by glulab, disagrees with "
               "gemm_naive (max rel err {:.1e}); fix: export {}={} (the kernel OpenBLAS picked)\n",
               core, err, kCoretype, picked_before);
}

void print_report(const CpuFeatures& cpu) {
    const BlasInfo info = blas_info();
    fmt::print(stderr, "glulab: {}\n", info.config);
    fmt::print(stderr, "glulab: OpenBLAS kernel {} ({}), {} thread{}; OpenMP {} thread{}\n",
               info.core, info.chosen_by, info.threads, info.threads == 1 ? "" : "s",
               omp_get_max_threads(), omp_get_max_threads() == 1 ? "" : "s");
    const std::string want = faster_coretype(info.core, cpu.avx512, cpu.avx2);
    if (want.empty()) return;
    const int rank = coretype_rank(info.core);
    if (!dynamic_arch())
        fmt::print(stderr,
                   "glulab: note: this OpenBLAS has only {} kernels built in; a DYNAMIC_ARCH "
                   "build (Debian's libopenblas0) could run the faster {} kernels\n",
                   info.core, want);
    else
        fmt::print(stderr,
                   "glulab: note: the {} kernel uses {} on this {} CPU; for the faster one: "
                   "export {}={}\n",
                   info.core, kRankNames[static_cast<size_t>(rank)],
                   cpu.avx512 ? "AVX-512" : "AVX2", kCoretype, want);
}

}  // namespace

// Asking about OpenBLAS and the CPU
// ---------------------------------

BlasInfo blas_info() {
    BlasInfo info;
    info.config = openblas_get_config();
    info.core = openblas_get_corename();
    info.threads = openblas_get_num_threads();
    if (const char* before = std::getenv(kRestarted))
        info.chosen_by = fmt::format("chosen by glulab; OpenBLAS had picked {}", before);
    else if (env_nonempty(kCoretype))
        info.chosen_by = fmt::format("{}={}, your setting", kCoretype, std::getenv(kCoretype));
    else
        info.chosen_by = "autodetected by OpenBLAS";
    return info;
}

CpuFeatures cpu_features() {
    CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    // OpenBLAS's SkylakeX kernels use the whole Skylake-X subset of AVX-512, not only avx512f
    // (Xeon Phi has avx512f without bw/dq/vl). The builtins also check that the OS saves the
    // AVX-512 registers.
    f.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vl");
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
#endif
    return f;
}

// Choosing a kernel
// -----------------

int coretype_rank(std::string_view core) {
    for (const CoreRank& c : kCoreRanks)
        if (iequals(c.name, core)) return c.rank;
    return -1;
}

std::string faster_coretype(std::string_view current_core, bool avx512, bool avx2) {
    const int cpu = avx512 ? 3 : avx2 ? 2 : -1;  // older CPUs: leave OpenBLAS's choice alone
    const int core = coretype_rank(current_core);
    if (cpu < 0 || core < 0 || core >= cpu) return "";
    return cpu == 3 ? "SkylakeX" : "Haswell";
}

std::string preferred_coretype(std::string_view current_core, bool avx512, bool avx2,
                               bool user_set) {
    if (user_set) return "";
    return faster_coretype(current_core, avx512, avx2);
}

// Startup
// -------
// OpenBLAS reads OPENBLAS_CORETYPE once, when the library loads, before main() runs. So the
// only way to change the kernel is to set the variable and start the program again. The
// variable GLULAB_BLAS_REEXEC, set just before the restart, stops a second one and carries the
// name of the kernel OpenBLAS had picked, for the messages.

void blas_startup(int argc, char** argv, bool verbose) {
    // One thread for OpenBLAS: glulab already splits each gemm over OpenMP threads, and
    // OpenBLAS's own pthread pool would want the same cores. Two pools on 2 cores make 4 busy
    // threads, which spend their time spinning and switching instead of multiplying.
    openblas_set_num_threads(1);

    const CpuFeatures cpu = cpu_features();
    const std::string core = openblas_get_corename();
    if (const char* before = std::getenv(kRestarted)) {
        check_restarted(before, core);
    } else if (!env_flag(kNoRestart) && dynamic_arch() && argc >= 1 && argv[argc] == nullptr) {
        const bool user_set = env_nonempty(kCoretype);
        const std::string want = preferred_coretype(core, cpu.avx512, cpu.avx2, user_set);
        if (!want.empty()) restart_with(want, core, argv);
    }
    if (verbose) print_report(cpu);
}

// Checking and timing sgemm
// -------------------------

bool sgemm_agrees_with_naive(double* max_rel_err) {
    // Odd sizes, so that the edge kernels run as well as the main one.
    const int M = 131, N = 67, K = 129;
    std::mt19937 rng(1234);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<float> A(static_cast<size_t>(M) * K), B(static_cast<size_t>(K) * N);
    std::vector<float> C(static_cast<size_t>(M) * N), ref(C.size());
    for (float& a : A) a = uniform(rng);
    for (float& b : B) b = uniform(rng);

    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, A.data(), K, B.data(),
                N, 0.0f, C.data(), N);
    // The reference: the triple loop, summed in double (this layer sits below the kernels, so
    // not ops.hpp → gemm_naive, which sums in float).
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double acc = 0;
            for (int k = 0; k < K; k++) acc += double{A[size_t(i) * K + k]} * B[size_t(k) * N + j];
            ref[size_t(i) * N + j] = static_cast<float>(acc);
        }

    // Error relative to the largest entry: float rounding gives ~1e-7, a broken kernel ~1.
    double max_diff = 0, max_ref = 0;
    for (size_t i = 0; i < C.size(); i++) {
        max_diff = std::max(max_diff, std::fabs(double(C[i]) - double(ref[i])));
        max_ref = std::max(max_ref, std::fabs(double(ref[i])));
    }
    const double err = max_ref > 0 ? max_diff / max_ref : max_diff;
    if (max_rel_err) *max_rel_err = err;
    return err < 1e-4;  // also false for NaN
}

}  // namespace glulab
