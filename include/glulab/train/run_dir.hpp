// run_dir.hpp — a run directory's files: their names, and the one place that writes and reads
// them.
//
// `glulab train --out DIR` (trainer.hpp → train_run) fills DIR with:
//   config.json            the TrainConfig: everything needed to repeat or resume the run
//   metrics.csv            one MetricRow per evaluation (header kMetricsColumns)
//   gates.csv              gated FFN kinds only: one GateRow per evaluation and layer (header
//                          kGatesColumns), measured by the experiment layer (experiment/gates.hpp)
//   steps.csv              one StepRow per training step: its loss, rate and gradient norm
//   stability.csv          one StabilityRow per evaluation and layer: the largest attention
//                          logit, the output logits' size and log Z, the loss spikes so far
//                          (both from the experiment layer, experiment/stability.hpp)
//   activations.csv        one ActivationRow per evaluation, layer and site (the FFN's input, its
//                          hidden vector, the residual stream after the block): how heavy the
//                          tails are and where the largest value sits (experiment/activations.hpp)
//   summary.json           the TrainSummary of the finished (or diverged) run
//   model.safetensors      the checkpoint pair (checkpoint.hpp → save_checkpoint)
//   optimizer.safetensors
// Every CSV has one header row, defined here once; a reader refuses a file whose first line is
// not that header, and names the file and line of any bad field. Nothing else in glulab parses
// these files: the trainer, `glulab compare` and `glulab plot` read runs back through here.
// Every write is atomic (platform/files.hpp); only rank 0 of an mpirun writes.
//
// Consistency after a crash: the trainer writes an evaluation's metrics row before the
// checkpoint of that step, so a kill between the two leaves a row past the checkpoint, never a
// checkpoint without its row; a resume keeps the rows up to the checkpoint's step
// (rows_up_to) and computes the others again, identically.
//
// Lesson 12 · training
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace glulab {

struct TrainConfig;  // trainer.hpp

// The file names, joined to a directory by run_file.
namespace run_files {
inline constexpr const char* config = "config.json";
inline constexpr const char* metrics = "metrics.csv";
inline constexpr const char* gates = "gates.csv";
inline constexpr const char* steps = "steps.csv";
inline constexpr const char* stability = "stability.csv";
inline constexpr const char* activations = "activations.csv";
inline constexpr const char* summary = "summary.json";
inline constexpr const char* model = "model.safetensors";
inline constexpr const char* optimizer = "optimizer.safetensors";
inline constexpr const char* quant = "quant.csv";  // experiment/quant_study.hpp
}  // namespace run_files
inline std::string run_file(const std::string& dir, const char* name) {  // e.g. "runs/a/metrics.csv"
    return (std::filesystem::path(dir) / name).string();
}

// Whether `dir` holds a run (its config.json), and a checkpoint pair besides.
bool holds_run(const std::string& dir);
bool holds_checkpoint(const std::string& dir);
// The runs that `dirs` name: each entry is a run directory (holds `marker`, e.g. metrics.csv)
// or a directory of runs such as `glulab compare` writes (its subdirectories that hold it, in
// name order). Throws naming an entry that does not exist or holds no run.
std::vector<std::string> list_run_dirs(const std::vector<std::string>& dirs, const char* marker = run_files::metrics);
// Whether `dir` holds nothing but what a run killed in its first moments leaves: its run.lock
// and temporaries (*.tmp) of files it had not yet put in place. A new run may start there
// without --force, as in an empty directory.
bool holds_only_leftovers(const std::string& dir);
// Removes what a run wrote besides config.json: the checkpoint pair first (with the temporaries
// of a save a crash interrupted), then metrics.csv, gates.csv, the telemetry and summary.json. A new run
// (--force) calls it before it writes its config.json, so that at no moment does the directory
// pair the new config with the old run's weights.
void remove_run_outputs(const std::string& dir);

// config.json
// -----------
// train_config_to_json / train_config_from_json (trainer.hpp) are the serialisation; these
// put it in a directory. Reading checks every integer without wrapping (the checks of
// checkpoint.hpp → model_config_from_json) and names the file and the key.
void write_run_config(const std::string& dir, const TrainConfig& cfg);
TrainConfig load_train_config(const std::string& dir);

// metrics.csv
// -----------
struct MetricRow {
    int step = 0;             // e.g. 100
    double train_loss = 0;    // e.g. 2.5573, the mean over eval_batches training batches
    double val_loss = 0;      // e.g. 2.5500, the same on the validation split
    double lr = 0;            // the learning rate of the step, e.g. 0.0003
    double grad_norm = 0;     // before clipping, e.g. 0.83
    double tokens_per_s = 0;  // over the steps since the previous evaluation, e.g. 51200.0
    double elapsed_s = 0;     // wall time since the run (or its resume) started, e.g. 12.34
};
inline constexpr const char* kMetricsColumns = "step,train_loss,val_loss,lr,grad_norm,tokens_per_s,elapsed_s";

// The row as metrics.csv holds it (losses to 6 decimals, ...): what a reader of the file gets
// back, so a summary from rows in memory equals one from the file.
MetricRow as_written(const MetricRow& row);
void write_metrics(const std::string& dir, const std::vector<MetricRow>& rows);
// `path` is a metrics.csv; a missing file, another header or a bad line throws naming it.
std::vector<MetricRow> read_metrics_csv(const std::string& path);
// The rows of dir/metrics.csv, none when there is no such file.
std::vector<MetricRow> read_run_metrics(const std::string& dir);

// gates.csv
// ---------
inline constexpr int kGateBins = 20;  // histogram bins of act(gate) (experiment/gates.hpp)
struct GateRow {
    int step = 0;                            // e.g. 100
    int layer = 0;                           // e.g. 0
    double near_zero = 0;                    // fraction with |act(gate)| < 0.1
    double mean = 0;                         // mean of act(gate)
    std::array<double, kGateBins> bins{};    // histogram, fractions
};
std::string gates_columns();  // "step,layer,near_zero,mean,bin0,...,bin19"
void write_gates(const std::string& dir, const std::vector<GateRow>& rows);
std::vector<GateRow> read_gates_csv(const std::string& path);
std::vector<GateRow> read_run_gates(const std::string& dir);  // none without a gates.csv

// steps.csv
// ---------
struct StepRow {
    int step = 0;            // 1-based, e.g. 250
    double loss = 0;         // the step's training loss on its batch, e.g. 2.4312
    double lr = 0;           // the learning rate it used, e.g. 0.001
    double grad_norm = 0;    // before clipping, e.g. 0.61
};
inline constexpr const char* kStepsColumns = "step,loss,lr,grad_norm";
// The row as steps.csv holds it (what a reader gets back).
StepRow as_written(const StepRow& row);
void write_steps(const std::string& dir, const std::vector<StepRow>& rows);
std::vector<StepRow> read_steps_csv(const std::string& path);
std::vector<StepRow> read_run_steps(const std::string& dir);  // none without a steps.csv

// stability.csv
// -------------
// The model-wide columns (logit_max, log_z_*, loss_spikes) are the same on every layer's row of
// an evaluation, so that one row holds all a plot of one layer needs.
struct StabilityRow {
    int step = 0;                 // e.g. 100
    int layer = 0;                // e.g. 0
    double attn_logit_max = 0;    // this layer: max over heads and causal pairs of |q.k| / sqrt(HS)
    double logit_max = 0;         // max |logit| of the output head
    double log_z_mean = 0;        // mean over positions of log sum_v exp(logit_v)
    double log_z_max = 0;         // its largest value
    int loss_spikes = 0;          // steps so far whose loss was a spike (experiment/stability.hpp)
};
inline constexpr const char* kStabilityColumns =
    "step,layer,attn_logit_max,logit_max,log_z_mean,log_z_max,loss_spikes";
void write_stability(const std::string& dir, const std::vector<StabilityRow>& rows);
std::vector<StabilityRow> read_stability_csv(const std::string& path);
std::vector<StabilityRow> read_run_stability(const std::string& dir);  // none without the file

// activations.csv
// ---------------
// One row per evaluation, layer and site, over the validation batches of that evaluation.
enum class ActSite { ffn_input = 0, hidden = 1, residual = 2 };  // the numbers in the file
inline constexpr int kActSites = 3;
struct ActivationRow {
    int step = 0;                 // e.g. 100
    int layer = 0;                // e.g. 2
    int site = 0;                 // ActSite, e.g. 1 (hidden)
    double kurtosis = 0;          // excess kurtosis, m4 / m2^2 - 3: 0 for a Gaussian, large for
                                  // heavy tails, e.g. 12.5
    double max_over_median = 0;   // max |x| / median |x|, e.g. 40.2
    double max_abs = 0;           // max |x|, e.g. 9.81
    int max_channel = 0;          // the channel (last index) of max |x|, e.g. 77
};
inline constexpr const char* kActivationsColumns =
    "step,layer,site,kurtosis,max_over_median,max_abs,max_channel";
void write_activations(const std::string& dir, const std::vector<ActivationRow>& rows);
std::vector<ActivationRow> read_activations_csv(const std::string& path);
std::vector<ActivationRow> read_run_activations(const std::string& dir);  // none without the file

// The rows of an evaluation (or a step) at `step` or before (a resume keeps these, computes
// the rest).
template <class Row>
std::vector<Row> rows_up_to(std::vector<Row> rows, int step) {
    std::erase_if(rows, [step](const Row& r) { return r.step > step; });
    return rows;
}

// summary.json
// ------------
struct TrainSummary {
    int steps_done = 0;
    bool interrupted = false;   // stopped by Ctrl-C or stop_after (checkpoint saved)
    bool diverged = false;      // stopped at steps_done: the loss was NaN or infinite (the
                                // checkpoint is the last good one; summary.json says diverged)
    float final_train_loss = 0, final_val_loss = 0, best_val_loss = 0;
    int best_val_step = 0;      // the step of the evaluation with best_val_loss
    float test_loss = 0;        // with a test split: the final model's loss on it (read only
                                // here, at the end); 0 without one
    double ms_per_step = 0;     // training steps only, evaluations excluded
    double tokens_per_s = 0;
    int d_ff = 0;
    int64_t ffn_params = 0, total_params = 0;
};
// Every field under its own name (one field list, json_io.cpp). No number in it is NaN (JSON
// has none): a diverged run's losses are its last finite ones, a non-finite one is written 0.
void write_run_summary(const std::string& dir, const TrainSummary& summary);
// The summary.json of a finished run in `dir` (what train_run returned when it finished).
// Also reads the summaries of older versions, which called steps_done "steps".
TrainSummary read_run_summary(const std::string& dir);
// Whether the run in `dir` diverged (its summary.json says so; false without one).
bool run_diverged(const std::string& dir);

}  // namespace glulab
