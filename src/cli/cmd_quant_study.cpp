// cmd_quant_study.cpp — `glulab quant-study`: what int8 costs each run of a grid, into each
// run's quant.csv (experiment/quant_study.hpp), for the results page's "Under int8" section.
//
// Lesson 16 · outliers and quantization
#include "commands.hpp"
#include "flags.hpp"

#include "glulab/experiment/quant_study.hpp"
#include "glulab/train/data.hpp"
#include "glulab/train/run_dir.hpp"

#include <fmt/core.h>

#include <chrono>
#include <filesystem>
#include <memory>

namespace glulab {

namespace {
struct QuantStudyArgs {
    std::vector<std::string> dirs;
    QuantStudyOptions options;
    std::string per_matrix_seed;  // "" or a seed, e.g. "1337": those runs also get the per-matrix rows
    bool force = false;
};
}  // namespace

void add_quant_study_command(CLI::App& app) {
    auto a = std::make_shared<QuantStudyArgs>();
    Command* cmd = add_command(app, "quant-study",
                               "The loss of every run under each int8 scheme, into each run's quant.csv");
    cmd->add_option("dirs", a->dirs, "run directories, or directories of runs (e.g. runs/results)")->required();
    cmd->add_option("--windows", a->options.windows, "held-out windows of T + 1 characters per evaluation")
        ->capture_default_str()
        ->check(in_range(1, 1 << 20));
    cmd->add_option("--per-matrix-seed", a->per_matrix_seed,
                    "runs of this seed also get w8a8 on one weight matrix at a time (which hurts most), e.g. 1337");
    cmd->add_flag("--force", a->force, "measure runs that already hold a quant.csv again");
    cmd->callback([a] {
        const std::vector<std::string> runs = list_run_dirs(a->dirs, run_files::summary);
        const auto t0 = std::chrono::steady_clock::now();
        int done = 0, kept = 0;
        for (const std::string& dir : runs) {
            const std::string csv = run_file(dir, run_files::quant);
            if (!a->force && std::filesystem::exists(csv)) {
                kept++;
                continue;
            }
            QuantStudyOptions opt = a->options;
            opt.per_matrix = !a->per_matrix_seed.empty() && dir.ends_with("-s" + a->per_matrix_seed);
            fmt::print("[{}/{}] {}:", done + kept + 1, runs.size(), dir);
            std::fflush(stdout);
            const std::vector<QuantLoss> rows = study_run_quantization(dir, opt, [](const QuantLoss& r) {
                if (r.what == "float") fmt::print(" float {:.4f}", r.loss);
                else if (r.what != "matrix") fmt::print(" {}{} {:+.4f}", r.what == "smooth" ? "smooth " : "", r.name, r.change);
                std::fflush(stdout);
            });
            write_text_file(csv, quant_csv(rows));  // written whole at the end: a killed study leaves none
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            fmt::print("  ({:.0f} s so far)\n", s);
            done++;
        }
        fmt::print("quant-study: {} runs measured, {} already held quant.csv (--force measures them again)\n", done,
                   kept);
    });
}

}  // namespace glulab
