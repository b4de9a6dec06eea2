// commands.hpp — every `glulab` subcommand, one registration function each.
//
// Each command lives in its own file, src/cli/cmd_<name>.cpp, and exposes one function that adds
// a subcommand (its options and its callback) to the app. main.cpp calls them all. A command
// reports failure in one of two ways:
//   - bad input or a broken invariant: throw glulab::Error (GLULAB_CHECK); main prints it and
//     exits with 2;
//   - "ran fine, but the answer is no" (a gradient check failed): throw ExitCode{1}; main exits
//     with that code and prints nothing more.
// A command declares its flags through command.hpp, not through CLI11 itself.
//
// Lesson 12 · training
#pragma once

#include "command.hpp"

namespace glulab {

// What a command throws to end the program with this exit code, having said all there is to
// say: 1 a failed gradient check, 3 a diverged run, 130 interrupted (as by Ctrl-C).
struct ExitCode {
    int code;
};

// Options every command can read (set by main before the command runs).
struct GlobalOptions {
    bool verbose = false;  // --verbose: say what glulab chose and why
};
const GlobalOptions& global_options();

// The commands
// ------------
// To add one: declare it here, define it in src/cli/cmd_<name>.cpp, call it in main.cpp, and
// give it a section in docs/cli.md.
void add_train_command(CLI::App& app);      // cmd_train.cpp: train a model into a run directory
void add_eval_command(CLI::App& app);       // cmd_eval.cpp: loss of a checkpoint on a text
void add_sample_command(CLI::App& app);     // cmd_sample.cpp: generate text from a checkpoint
void add_params_command(CLI::App& app);     // cmd_params.cpp: the parameter table of a configuration
void add_bench_command(CLI::App& app);      // cmd_bench.cpp: time training steps against the sgemm peak
void add_gradcheck_command(CLI::App& app);  // cmd_gradcheck.cpp: analytic vs numeric gradients
void add_info_command(CLI::App& app);       // cmd_info.cpp: OpenBLAS, OpenMP, CPU, sgemm GFLOP/s
void add_reference_command(CLI::App& app);  // cmd_reference.cpp: numbers for the PyTorch cross-check
void add_compare_command(CLI::App& app);    // cmd_compare.cpp: every FFN kind x every seed, table, verdict, plots
void add_plot_command(CLI::App& app);       // cmd_plot.cpp: loss and gate plots of existing runs
void add_graph_command(CLI::App& app);      // cmd_graph.cpp: the tape of one forward pass, as text or DOT
void add_quantize_command(CLI::App& app);   // cmd_quantize.cpp: a checkpoint with int8 weight matrices
void add_quant_study_command(CLI::App& app);  // cmd_quant_study.cpp: every run's loss under each int8 scheme
void add_report_command(CLI::App& app);     // cmd_report.cpp: the results page's lab sections from finished grids

}  // namespace glulab
