// main.cpp — the `glulab` program: one binary, one subcommand per job.
//
// main() does three things, in this order:
//   1. blas_startup: make OpenBLAS single-threaded and make sure it runs the right kernels for
//      this CPU (it may restart the program once; see include/glulab/platform/blas.hpp);
//   2. build the command line: a global --verbose flag and one subcommand per registration
//      function of commands.hpp;
//   3. run the chosen command and turn what it throws into an exit code:
//      0 success (also --help), 1 the command's own "no" (a failed gradient check),
//      2 a usage error or a glulab::Error, printed as `glulab: error: <message>`.
// Under mpirun (a `make MPI=1` build), dist_init starts MPI first and only rank 0 prints: the
// other ranks' stdout goes to /dev/null (see finish() for their errors).
//
// Lesson 12 · training
#include "commands.hpp"

#include "glulab/platform/blas.hpp"
#include "glulab/platform/dist.hpp"
#include "glulab/platform/check.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <thread>

namespace glulab {
namespace {
GlobalOptions g_options;
}
const GlobalOptions& global_options() { return g_options; }
}  // namespace glulab

namespace {

// blas_startup runs before the command line is parsed, so it looks for --verbose itself.
bool has_verbose_flag(int argc, char** argv) {
    for (int i = 1; i < argc && std::strcmp(argv[i], "--") != 0; i++)
        if (std::strcmp(argv[i], "--verbose") == 0) return true;
    return false;
}

// Under mpirun an error must end every rank, also those waiting for this one in a collective:
// dist_abort. An error that every rank meets (a bad flag) is printed once, by rank 0: another
// rank waits a second before it speaks, and is ended by rank 0's abort if rank 0 failed too.
int finish(int code, const char* message = nullptr) {
    const int rank = glulab::dist_rank();
    if (glulab::dist_size() > 1 && code != 0) {
        if (rank != 0) std::this_thread::sleep_for(std::chrono::seconds(1));
        if (message) fmt::print(stderr, "glulab: error{}: {}\n", rank ? fmt::format(" (rank {})", rank) : "", message);
        std::fflush(stderr);
        glulab::dist_abort(code);
    }
    if (message) fmt::print(stderr, "glulab: error: {}\n", message);
    glulab::dist_finalize();
    return code;
}

int fail(const char* message) { return finish(2, message); }

// The commands (declared in commands.hpp). New ones go here, in the order `--help` lists them.
void add_commands(CLI::App& app) {
    glulab::add_train_command(app);
    glulab::add_eval_command(app);
    glulab::add_sample_command(app);
    glulab::add_params_command(app);
    glulab::add_bench_command(app);
    glulab::add_gradcheck_command(app);
    glulab::add_info_command(app);
    glulab::add_reference_command(app);
    glulab::add_compare_command(app);
    glulab::add_plot_command(app);
    glulab::add_graph_command(app);
    glulab::add_quantize_command(app);
    glulab::add_quant_study_command(app);
    glulab::add_report_command(app);
}

}  // namespace

int main(int argc, char** argv) {
    glulab::blas_startup(argc, argv, has_verbose_flag(argc, argv));
    glulab::dist_init(argc, argv);
    if (glulab::dist_rank() != 0 && std::freopen("/dev/null", "w", stdout) == nullptr) return 2;

    int code = 0;
    try {
        code = glulab::run_command_line(argc, argv,
                                        "glulab: tape-based autograd in C++20; trains a character-level transformer\n"
                                        "and compares its FFN variants (ReLU, GELU, SwiGLU and the GLU family).",
                                        glulab::g_options.verbose, add_commands);
    } catch (const glulab::ExitCode& e) {
        // The command has said everything already; under mpirun every rank gets here together
        // (a run stopped by --stop-after), so MPI ends normally.
        glulab::dist_finalize();
        return e.code;
    } catch (const glulab::UsageError& e) {
        if (glulab::dist_rank() == 0)
            fmt::print(stderr, "glulab: run `glulab --help` for the commands and their options\n");
        return fail(e.what());
    } catch (const glulab::Error& e) {
        return fail(e.what());
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    return finish(code);  // 0, also after --help
}
