// lab_report.hpp — the results page's laboratory sections, read from the grids of the results
// targets: is it the FFN or the learning rate, does warmup matter at high rates, how much of the
// gated lead is capacity (H = 4C), does it last 10,000 steps, and what int8 costs each kind.
//
// `glulab report --runs DIR --page docs/results.md` (make results-page) reads what the targets
// left under DIR (docs/experiments.md lists them) and writes one section per finished grid:
//
//   DIR/results-lr, DIR/results-lr-more   "## Is it the FFN or the learning rate?"
//   DIR/results-warmup                    "## Warmup at high learning rates"
//   DIR/results-dff (+ results-lr)        "## At H = 4C: how much of the lead is capacity?"
//   DIR/results-long/*                    "## Longer training"
//   DIR/results, DIR/layernorm (quant.csv) "## Under int8"
//
// A grid that is missing or unfinished leaves its section as the page has it. Every section
// carries its per-seed table, so a learner can redo its statistics without training. The
// prose is docs/templates/lab-*.md; its sentences that depend on the outcome are made here.
//
// Lesson 13 · the FFN ablation; lesson 16 · outliers and quantization
#pragma once

#include "glulab/experiment/compare.hpp"
#include "glulab/experiment/plot.hpp"

#include <string>
#include <vector>

namespace glulab {

// The finished runs of some grids, read back twice: as compare's summaries read them (losses)
// and as the plots read them (telemetry). runs[i] and data[i] are the same run.
struct LabGrid {
    std::vector<RunResult> runs;
    std::vector<RunData> data;
};
// Every run under `dirs` (compare directories, or runs) that holds summary.json; a directory
// that does not exist is skipped. `unfinished` counts the runs without summary.json.
LabGrid read_lab_grid(const std::vector<std::string>& dirs, int* unfinished = nullptr);

// A run's largest attention logit over its evaluations and layers, and its loss spikes.
double run_attn_logit_max(const RunData& run);
int run_loss_spikes(const RunData& run);

// The sections' Markdown, each from its grid (figures drawn into `fig_dir`, named in the text
// as `fig_prefix` + name, e.g. "results/lr_sweep.svg").
struct LabFigures {
    std::string dir;     // e.g. "docs/results"
    std::string prefix;  // e.g. "results/" (the page's path to dir)
    bool draw = true;    // false: no pictures (tests)
};
std::string lr_section(const LabGrid& grid, const LabFigures& figs);
std::string warmup_section(const LabGrid& grid, const LabFigures& figs);
std::string dff_section(const LabGrid& dff, const LabGrid& matched, const LabFigures& figs);
std::string long_section(const LabGrid& grid, const LabFigures& figs);
std::string quant_section(const LabGrid& grid, const LabFigures& figs);

// Writes every section whose grid has finished under `runs_root` into `page`, in place of
// the older one (or at the end, in the order above). Returns the files written; `log` hears a
// line per section (written, or why not).
std::vector<std::string> write_lab_sections(const std::string& page, const std::string& runs_root,
                                            const std::function<void(const std::string&)>& log = {});
// The lab sections the page holds now ("" if none), for write_results_page to keep.
std::string kept_lab_sections(const std::string& page);

}  // namespace glulab
