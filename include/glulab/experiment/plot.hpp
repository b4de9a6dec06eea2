// plot.hpp — pictures of training runs: loss curves and gate telemetry, drawn by gnuplot as
// PNG and SVG, or as ASCII charts in the terminal when gnuplot is not installed.
//
// Three parts:
//   reading runs   a run directory's metrics.csv and gates.csv as numbers (load_run, through
//                  run_dir.hpp); a list of
//                  directories, each a run or a directory of runs such as `glulab compare`
//                  writes (load_runs); runs that differ only in their seed form one group
//   charts         (chart.cpp) a Chart is titled series of (x, y) with an optional min-max band around y;
//                  draw_gnuplot writes NAME.gp (a self-contained gnuplot script, data inline)
//                  and runs it to get NAME.png and NAME.svg; ascii_chart draws it as text
//   write_plots    the four pictures of a set of runs (below), in gnuplot or in ASCII
//
// The pictures of write_plots, one line per group (an FFN kind), mean over its seeds:
//   loss_val     validation loss against step, band from the lowest to the highest seed
//   loss_train   the same for the training loss (estimated at each evaluation)
//   gates        gated kinds: per layer, the fraction of act(gate) near zero against step
//   gates_hist   gated kinds: per layer, the histogram of act(gate) at the last evaluation
//   stability    four panels against step: the largest attention logit (max over layers), the
//                output head's largest logit and mean log Z, the gradient norm before clipping
//                (steps.csv), and the loss spikes so far (experiment/stability.hpp)
//   activations  four panels against step (experiment/activations.hpp): the FFN hidden vector's
//                excess kurtosis and its max |x| / median |x| (the largest over the layers), the
//                residual stream's max / median, and the channel that holds the residual
//                stream's largest value in the last layer (a flat line: an outlier channel)
//   lr_sweep     when the runs differ in learning rate: the final validation loss against the
//                rate (log axis), one line per kind, band over seeds; a diverged run is drawn at
//                the loss of the untrained model, ln V, and named in the legend
// gnuplot is looked up on PATH (Debian: gnuplot-nox, `make deps-plot`). Leaves out: any
// plotting of our own beyond the ASCII fallback.
//
// Lesson 13 · the FFN ablation
#pragma once

#include "glulab/experiment/gates.hpp"
#include "glulab/train/trainer.hpp"

#include <array>
#include <string>
#include <vector>

namespace glulab {

// Reading runs
// ------------
// The rows of metrics.csv and gates.csv are run_dir.hpp's MetricRow and GateRow, read by it.

// One run directory, read back.
struct RunData {
    std::string dir;                // as given, e.g. "runs/compare/swiglu-s1337"
    std::string label;              // the FFN kind, e.g. "swiglu"; the directory's name when
                                    // config.json is missing
    bool has_config = false;        // config.json was there (and is valid)
    TrainConfig config;             // the run's config.json, when has_config
    std::vector<MetricRow> metrics; // metrics.csv, one row per evaluation (run_dir.hpp)
    std::vector<GateRow> gates;     // gates.csv; empty for plain kinds (run_dir.hpp)
    std::vector<StepRow> steps;     // steps.csv; empty for runs written before it existed
    std::vector<StabilityRow> stability;  // stability.csv; likewise
    std::vector<ActivationRow> activations;  // activations.csv; likewise
    bool diverged = false;          // its summary.json says so
};

// `dir` must hold metrics.csv; config.json and gates.csv are read when present.
RunData load_run(const std::string& dir);
// Each entry is a run directory (holds metrics.csv) or a directory of runs (its
// subdirectories that hold metrics.csv, in name order). Throws naming the entry that is
// missing or holds no run.
std::vector<RunData> load_runs(const std::vector<std::string>& dirs);

// Runs that differ only in their seed: one line on a plot, their mean with a min-max band.
struct RunGroup {
    std::string label;                // "swiglu"; "swiglu (runs/a/swiglu-s1)" if two groups of
                                      // the same kind have different settings
    std::vector<const RunData*> runs; // the seeds, in the order given
};
std::vector<RunGroup> group_runs(const std::vector<RunData>& runs);

// Charts
// ------
// The colours of the lines: a series without its own takes the entry of its place; write_plots
// gives each FFN kind the entry of its place in all_ffn_kinds, the same on every picture.
inline constexpr std::array<const char*, 10> kPalette = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                                         "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};

struct Series {
    std::string name{};          // legend entry, e.g. "swiglu"
    std::vector<double> x{}, y{};  // the line, e.g. step and mean loss
    std::vector<double> lo{}, hi{};  // the band around y (same length as x), or both empty
    std::string color{};         // e.g. "#1f77b4"; empty: a colour chosen by position
    int dash = 1;                // gnuplot dash type: 1 solid, 2 dashed, ...
};
struct Chart {
    std::string title{};         // e.g. "validation loss"
    std::string xlabel{}, ylabel{};  // e.g. "step", "loss (nats per character)"
    std::vector<Series> series{};
    std::string yrange{};        // gnuplot range, e.g. "[0:1]"; empty: fit the data
    bool steps = false;          // draw as a histogram (steps around each x) instead of lines
    bool log_x = false;          // a logarithmic x axis (learning rates)
};

// The chart as text, `width` x `height` characters of plot area: a title, a y axis with three
// values, the lines drawn with one marker character per series, the x range, the legend.
std::string ascii_chart(const Chart& chart, int width = 72, int height = 16);

// The path of gnuplot on PATH, or "" when it is not installed.
std::string find_gnuplot();

// Write `base`.gp, a gnuplot script holding the data and the commands, and run gnuplot on it
// to draw `base`.png and `base`.svg. Several panels are stacked (one above the other) in one
// picture. Throws glulab::Error with gnuplot's message when gnuplot fails.
void draw_gnuplot(const std::vector<Chart>& panels, const std::string& base,
                  const std::string& gnuplot = "gnuplot");

// write_plots
// -----------
struct PlotOptions {
    bool use_gnuplot = true;  // false: ASCII charts even when gnuplot is installed
    int ascii_width = 72;     // plot area of the ASCII charts, in characters
    int ascii_height = 16;
    std::vector<std::string> only{};  // draw just these pictures, e.g. {"lr_sweep"}; empty: all
    std::string prefix{};             // put before each picture's name, e.g. "warmup_" -> warmup_stability.png
};
struct PlotReport {
    bool drawn = false;              // gnuplot drew the pictures
    std::vector<std::string> files;  // the pictures written (png, svg), when drawn
    std::string ascii;               // the ASCII charts, when not drawn
};

// What to print under ASCII charts: how to get gnuplot, and the command that then redraws the
// pictures of `dirs` (e.g. "glulab plot runs/compare").
std::string gnuplot_install_note(const std::string& redraw_command);

// The pictures of the runs (see the top of this file) into `out_dir`, or, without gnuplot, the
// ASCII charts of the validation loss and (gated kinds) of the gates.
PlotReport write_plots(const std::vector<RunData>& runs, const std::string& out_dir,
                       const PlotOptions& options = {});

}  // namespace glulab
