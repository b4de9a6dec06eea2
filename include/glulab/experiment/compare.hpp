// compare.hpp — the FFN ablation: train every FFN kind with every seed, then compare.
//
// `glulab compare` is a grid of train_run calls. For seeds s = seed, seed + 1, ... and each kind
// k, one run goes into OUT/<k>-s<s>/ (e.g. runs/compare/swiglu-s1337). A seed fixes the batch
// order and the stream the initial weights are drawn from, so kind A with seed s and kind B with
// seed s see the same data in the same order: the comparison is paired, and the spread over
// seeds says how much of a difference is luck.
//
// Sweeps: a list of learning rates (--lr 3e-4,1e-3) or warmups (--warmup 0,100) adds an axis to
// the grid, and the run's directory names its place on it: OUT/<k>-lr<lr>-s<s>,
// OUT/<k>-w<warmup>-s<s>, OUT/<k>-lr<lr>-w<warmup>-s<s> (an axis of one value adds nothing to
// the name). With several rates each run's final rate follows its peak: min_lr = lr *
// min_lr_ratio (0.1, the default rates' 1e-4 / 1e-3).
//
// Honest selection: a sweep picks each kind's learning rate on the mean final validation loss,
// so that loss flatters every kind. With a test split (TrainConfig::test_split, --test-split;
// data.hpp) every run also measures, once at its end, the loss on text no selection reads, and
// the sweep's ranking uses it (choose_learning_rates, format_sweep_table).
//
// Width of the hidden layer (MatchBy):
//   params  (default) d_ff 0 for every kind: plain kinds get 4C, gated ones about 2/3 of that,
//           so every FFN has about the same number of weights (config.hpp → ffn_hidden)
//   dff     every kind gets the plain 4C, so a gated FFN has 1.5x the weights
//   an explicit d_ff in the base config (--d-ff) is used for every kind and overrides both.
//
// Resuming: run_compare first checks that every run directory already in OUT was made with the
// settings asked for now (its config.json), and refuses otherwise unless `force` (then every run
// is trained again from scratch). A run with summary.json is finished: its results are read
// back, not trained again. A run with a checkpoint but no summary.json is resumed. Ctrl-C stops
// the current run after its step (the checkpoint is saved) and then the comparison.
//
// After the grid: per kind, mean and spread over seeds (KindSummary), written to OUT/curves.csv,
// OUT/summary.csv and OUT/runs.csv, the table and the verdict to OUT/report.txt. The pictures
// are plot.hpp → write_plots. The grid is src/experiment/compare.cpp; the summaries, the table
// and the verdict src/experiment/summary.cpp; a sweep's reading sweep.hpp.
//
// Lesson 13 · the FFN ablation
#pragma once

#include "glulab/experiment/plot.hpp"
#include "glulab/train/trainer.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace glulab {

// CompareConfig
// -------------
enum class MatchBy { params, dff };
// "params" or "dff"; anything else throws glulab::Error listing both.
MatchBy parse_match(std::string_view name);
std::string_view match_name(MatchBy match);
// "relu,gelu,swiglu" -> the kinds in that order; "all" -> all eight. Unknown names (the list of
// valid ones is in the message), repeats and an empty list throw.
std::vector<FfnKind> parse_ffn_list(std::string_view list);

// One place on the sweep axes: a peak learning rate and a warmup.
struct SweepPoint {
    float lr = 0;     // e.g. 0.003
    int warmup = 0;   // e.g. 100
};

struct CompareConfig {
    TrainConfig base;             // the settings of every run; ffn is ignored, seed is the first
                                  // seed, model.d_ff > 0 fixes H for every kind; optim.lr and
                                  // optim.warmup are used when lrs / warmups are empty
    std::vector<FfnKind> kinds;   // e.g. {FfnKind::relu, FfnKind::gelu, FfnKind::swiglu}
    int seeds = 3;                // runs per kind, seeds base.seed, base.seed + 1, ..., e.g. 3
    MatchBy match = MatchBy::params;  // how the hidden width is chosen, e.g. MatchBy::dff
    std::string out = "runs/compare"; // OUT, e.g. "runs/compare"
    bool force = false;           // OUT holds runs with other settings: start over instead of refusing
    std::vector<float> lrs{};     // the learning-rate axis, e.g. {3e-4f, 1e-3f}; empty: base.optim.lr
    std::vector<int> warmups{};   // the warmup axis, e.g. {0, 100}; empty: base.optim.warmup
    float min_lr_ratio = 0.1f;    // with several rates: each run's min_lr = its lr * this, e.g. 0.1
    int jobs = 1;                 // cells trained at once, e.g. 2; 0 = compare_cell_share's rule

    void validate() const;  // throws glulab::Error naming the first bad field
    // The sweep's points, rates outer and warmups inner, e.g. {(3e-4, 100), (1e-3, 100)}.
    std::vector<SweepPoint> points() const;
    bool sweeps_lr() const { return lrs.size() > 1; }
    bool sweeps_warmup() const { return warmups.size() > 1; }
    static constexpr int kMaxSeeds = 1000;  // the grid is planned up front: kinds x seeds runs
    static constexpr int kMaxAxis = 64;     // values on one sweep axis
};
// "3e-4,0.001" -> {3e-4f, 1e-3f}; "0,100" -> {0, 100}. `flag` names the flag in the message of
// an empty, repeated, unparsable or out-of-range value.
std::vector<float> parse_lr_list(std::string_view list, std::string_view flag = "--lr");
std::vector<int> parse_warmup_list(std::string_view list, std::string_view flag = "--warmup");

// One line: kinds, seeds, steps, model size, width rule, data (printed and in report.txt).
std::string format_compare_setup(const CompareConfig& cfg);

// The run of `kind` with the seed_index-th seed at sweep point `at` (the first point when not
// given): its TrainConfig and its directory.
TrainConfig compare_run_config(const CompareConfig& cfg, FfnKind kind, int seed_index,
                               std::optional<SweepPoint> at = {});
std::string compare_run_dir(const CompareConfig& cfg, FfnKind kind, int seed_index,
                            std::optional<SweepPoint> at = {});  // OUT/relu-s1337, OUT/relu-lr0.003-s1337

// Running the grid
// ----------------
// Cells side by side: `jobs` cells train at once, each in a thread of its own with `threads`
// OpenMP threads (unless the base config fixes --threads). Each cell's run directory and bytes
// are the same as when it trains alone at that thread count.
struct CellShare {
    int jobs = 1;     // cells at once, e.g. 2
    int threads = 1;  // OpenMP threads of each, e.g. 1
};
// `jobs` > 0 is taken as given (at most one per cell); 0 chooses by the rule in compare.cpp.
CellShare compare_cell_share(int jobs, int cells_to_train, int cores, int ranks);

// What happens to one run of the grid.
enum class RunAction {
    train,   // trained from scratch
    resume,  // a checkpoint was there: continued from it
    reuse,   // summary.json was there: results read back, nothing trained
};
std::string_view run_action_name(RunAction action);  // "train", "resume", "reuse"

struct RunInfo {
    int index = 0;        // 0-based place in the grid, e.g. 4
    int count = 0;        // runs in the grid, e.g. 9
    FfnKind kind = FfnKind::relu;
    uint64_t seed = 0;    // e.g. 1338
    SweepPoint at{};      // its learning rate and warmup
    int steps = 0;        // steps of every run, e.g. 2000
    std::string dir{};    // e.g. "runs/compare/gelu-s1338"
    RunAction action = RunAction::train;
};

// What the caller hears about, to draw progress (all optional).
struct CompareCallbacks {
    std::function<void(const RunInfo&)> on_run_start;
    std::function<void(const RunInfo&, const StepReport&)> on_step;
    std::function<void(const RunInfo&, const EvalReport&)> on_eval;
    std::function<void(const RunInfo&, const TrainSummary&)> on_run_end;
};

struct RunResult {
    FfnKind kind = FfnKind::relu;
    uint64_t seed = 0;
    SweepPoint at{};
    std::string dir;
    RunAction action = RunAction::train;
    TrainSummary summary{};          // from train_run, or read back from summary.json
    std::vector<MetricRow> metrics{};  // the run's metrics.csv
    std::vector<ActivationRow> activations{};  // its activations.csv (empty for older runs)
};

// The spread of one number over the seeds. std is the sample standard deviation (divides by
// n - 1); 0 for a single seed.
struct Stat {
    double mean = 0, std = 0, min = 0, max = 0;
    int n = 0;
    double range() const { return max - min; }
};
Stat stat_of(std::span<const double> values);
// "1.2345 ± 0.0123" ("1.2345 ± -" for one seed), right-aligned in `width` columns.
std::string mean_pm_std(const Stat& s, size_t width);

// One row of the table: a kind (at one sweep point) over its seeds.
struct KindSummary {
    FfnKind kind = FfnKind::relu;
    SweepPoint at{};                 // the learning rate and warmup of its runs
    int seeds = 0;                   // runs of this kind, e.g. 3
    int d_ff = 0;                    // H, e.g. 344
    int64_t ffn_params = 0;          // all L FFN layers, e.g. 396288
    int64_t total_params = 0;        // the whole model, e.g. 805440
    Stat final_train{}, final_val{};  // the losses at the last evaluation
    Stat best_val{};                 // each run's lowest validation loss
    Stat test{};                     // the final loss on the test split (n = 0 without one)
    double ms_per_step = 0;          // mean over the runs (as measured when each was trained)
    double tokens_per_s = 0;         // mean over the runs
    int diverged = 0;                // runs of this kind that diverged (not in the numbers above)
};

struct CompareResult {
    std::vector<RunResult> runs;     // in grid order: seed by seed, kinds in the given order
    std::vector<KindSummary> kinds;  // in the given order; empty when interrupted
    bool interrupted = false;        // Ctrl-C: the current run's checkpoint is saved
    int runs_trained = 0;            // runs trained or resumed now (not read back)
    std::string report;              // the table and the verdict (a sweep's: format_sweep_table), as in
                                     // report.txt after its setup line
    std::vector<std::string> files;  // curves.csv, summary.csv, runs.csv, report.txt (and sweep.csv)
};

// Train (or read back) every run of the grid, then summarise and write OUT/curves.csv,
// OUT/summary.csv and OUT/report.txt.
CompareResult run_compare(const CompareConfig& cfg, const CompareCallbacks& callbacks = {});

// A finished run read back from its directory, as run_compare reads the runs of its grid:
// config.json gives the kind, seed and sweep point, summary.json and metrics.csv the losses,
// activations.csv the tails (read_run_outputs: the last two, for a RunResult already placed).
RunResult read_back_run(const std::string& dir);
void read_run_outputs(RunResult& r);

// Summaries and the verdict
// -------------------------
// One summary per kind and sweep point, in the order they first appear in `runs`.
std::vector<KindSummary> summarize_kinds(const std::vector<RunResult>& runs);
// kind,lr,warmup,seed,step,train_loss,val_loss: one row per run and evaluation.
std::string curves_csv(const std::vector<RunResult>& runs);
// One row per kind and sweep point with the numbers of the table.
std::string summary_csv(const std::vector<KindSummary>& kinds);
// One row per run: its place in the grid and its final numbers, so every statistic of the
// page can be redone from the file (a diverged run's losses are left empty), and the tails of
// its FFN's hidden vector at the last evaluation: the largest kurtosis and max / median over the
// layers (experiment/activations.hpp; empty for a run without activations.csv).
std::string runs_csv(const std::vector<RunResult>& runs);
// The FFN hidden vector's tails at a run's last evaluation: the largest excess kurtosis and
// max |x| / median |x| over its layers (known = false for a run without activations.csv).
struct HiddenTails {
    double kurtosis = 0, max_over_median = 0;
    bool known = false;
};
HiddenTails hidden_tails(const std::vector<ActivationRow>& rows);
// The table: kind, d_ff, FFN and total parameters, final train and val loss as mean ± std,
// best val loss, ms/step, tokens/s.
std::string format_compare_table(const std::vector<KindSummary>& kinds);

// The rule of the verdict, on the final validation loss (or another loss `metric` of the
// summary, e.g. &KindSummary::test): two kinds differ when their means are further apart than
// the larger of their two seed ranges (max - min over seeds),
//     |mean_a - mean_b| > max(range_a, range_b),
// i.e. even the luckiest seed of the worse kind does not close the gap to the other's mean.
// Needs at least two seeds of each: with one seed there is no spread, and nothing differs.
using LossOf = Stat KindSummary::*;
bool kinds_differ(const KindSummary& a, const KindSummary& b, LossOf metric = &KindSummary::final_val);
// A few lines in plain words: the best kind, the pairs that differ beyond the seed spread, the
// kinds the best one cannot be told apart from. `metric_name` says which loss, e.g. "test loss".
std::string verdict(const std::vector<KindSummary>& kinds, LossOf metric = &KindSummary::final_val,
                    std::string_view metric_name = "final validation loss");

}  // namespace glulab
