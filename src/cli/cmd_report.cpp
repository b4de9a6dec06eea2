// cmd_report.cpp — `glulab report`: the results page's laboratory sections from the grids the
// results targets left in a folder (experiment/lab_report.hpp).
//
// Lesson 13 · the FFN ablation
#include "commands.hpp"

#include "glulab/experiment/lab_report.hpp"

#include <fmt/core.h>

#include <memory>

namespace glulab {

namespace {
struct ReportArgs {
    std::string runs = "runs", page = "docs/results.md";
};
}  // namespace

void add_report_command(CLI::App& app) {
    auto a = std::make_shared<ReportArgs>();
    Command* cmd = add_command(app, "report",
                               "Write the results page's sections on the learning-rate sweep, warmup, H = 4C, long runs "
                               "and int8 from the finished grids under --runs");
    cmd->add_option("--runs", a->runs, "the folder the results targets wrote their grids into (make RUNS=...)")
        ->capture_default_str();
    cmd->add_option("--page", a->page, "the results page to update (make results writes it)")->capture_default_str();
    cmd->callback([a] {
        write_lab_sections(a->page, a->runs, [](const std::string& line) { fmt::print("report: {}\n", line); });
        fmt::print("report: wrote {}\n", a->page);
    });
}

}  // namespace glulab
