// cmd_plot.cpp — `glulab plot`: draw the loss and gate pictures of existing runs again.
//
// Each RUN_DIR is a run directory (with metrics.csv) or a directory of runs (what `glulab
// compare` writes); any mix works. Runs that differ only in their seed become one line, their
// mean with a min-max band (plot.hpp → write_plots).
//
// Lesson 13 · the FFN ablation
#include "commands.hpp"

#include "glulab/experiment/plot.hpp"

#include <fmt/core.h>

#include <memory>

namespace glulab {

namespace {

struct PlotArgs {
    std::vector<std::string> dirs;
    std::string out;
    bool ascii = false;
};

void run(const PlotArgs& a) {
    const std::vector<RunData> runs = load_runs(a.dirs);
    const std::vector<RunGroup> groups = group_runs(runs);
    std::string listed;
    for (const RunGroup& g : groups)
        listed += fmt::format("{}{} ({} run{})", listed.empty() ? "" : ", ", g.label, g.runs.size(),
                              g.runs.size() == 1 ? "" : "s");
    fmt::print("glulab plot: {} runs: {}\n", runs.size(), listed);

    const std::string out = a.out.empty() ? a.dirs.front() : a.out;
    const PlotReport report = write_plots(runs, out, PlotOptions{.use_gnuplot = !a.ascii});
    if (!report.drawn) {
        fmt::print("{}", report.ascii);
        if (!a.ascii) {
            std::string command = "glulab plot";
            for (const std::string& d : a.dirs) command += " " + d;
            fmt::print("{}", gnuplot_install_note(command));
        }
        return;
    }
    fmt::print("files:");
    for (const std::string& f : report.files) fmt::print(" {}", f);
    fmt::print("\n");
}

}  // namespace

void add_plot_command(CLI::App& app) {
    auto args = std::make_shared<PlotArgs>();
    Command* cmd = add_command(app, "plot", "Draw the loss and gate plots of existing runs (PNG and SVG)");
    cmd->add_option("RUN_DIR", args->dirs, "run directories and/or compare directories")->required();
    cmd->add_option("--out", args->out, "where the pictures go (default: the first RUN_DIR)");
    cmd->add_flag("--ascii", args->ascii, "draw ASCII charts in the terminal even when gnuplot is installed");
    cmd->callback([args] { run(*args); });
}

}  // namespace glulab
