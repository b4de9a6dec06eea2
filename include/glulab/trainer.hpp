// trainer.hpp — one training run, from a text file to a run directory.
//
// `train_run` is what `glulab train` and `glulab compare` call. A run directory holds:
//   config.json            everything needed to repeat (or resume) the run
//   metrics.csv            one row per evaluation: step, train_loss, val_loss, lr, grad_norm,
//                          tokens_per_s, elapsed_s
//   gates.csv              gated FFN kinds only: per evaluation and layer, how the gate acts;
//                          written by the experiment layer through on_val_forward and on_eval
//                          (experiment/gates.hpp → with_gate_telemetry)
//   model.safetensors      the weights and the vocabulary (checkpoint.hpp)
//   optimizer.safetensors  AdamW's state and the step count
//   summary.json           final and best losses, speed, parameter counts
// A checkpoint is written at every evaluation and when the run is interrupted (Ctrl-C or
// SIGTERM: one stop request, polled after every step, stop.hpp), so
// `--resume DIR` continues from there and gives the same losses as a run never interrupted:
// the batches come from the same seeded sampler, fast-forwarded to the resumed step.
// `stop_after` interrupts a run on purpose, through the same path as Ctrl-C, so a test can
// check that claim. Like `threads`, it belongs to one invocation: config.json does not keep it.
//
// Lesson 12 · training
#pragma once

#include "glulab/data.hpp"
#include "glulab/model.hpp"
#include "glulab/optim.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace glulab {

struct TrainConfig {
    std::string data = "data/tinyshakespeare.txt";  // the training text (UTF-8)
    ModelConfig model;                              // vocab_size comes from the data
    OptimConfig optim;                              // lr, schedule, AdamW, clipping, steps
    int batch = 16;                                 // B, e.g. 16
    int eval_every = 100;                           // steps between evaluations, e.g. 100
    int eval_batches = 20;                          // batches per loss estimate, e.g. 20
    uint64_t seed = 1337;                           // weights, batches, dropout, e.g. 1337
    int threads = 0;                                // OpenMP threads, e.g. 2; 0 = measured (platform/threads.hpp)
    int stop_after = 0;                             // act as if Ctrl-C came after this step,
                                                    // e.g. 25; 0 = never (tests of resume)
    bool shard_optimizer = false;                   // under mpirun: ZeRO-1, each rank keeps
                                                    // the AdamW moments of 1/N of the weights
                                                    // (data_parallel.hpp); like threads, not
                                                    // kept in config.json

    void validate() const;  // throws glulab::Error naming the first bad field
    // Upper bounds, so a typo is refused at once rather than after gigabytes.
    static constexpr int kMaxBatch = 4096;                 // B
    static constexpr int64_t kMaxTokensPerStep = 1 << 20;  // B * T
};
std::string train_config_to_json(const TrainConfig& cfg);
TrainConfig train_config_from_json(const std::string& json);

// What the caller hears about, to draw progress.
struct StepReport {
    int step = 0;            // steps done, 1..steps
    int steps = 0;           // steps in the run
    float loss = 0;          // this step's training loss
    float lr = 0;            // the learning rate it used
    double tokens_per_s = 0; // averaged over the steps since the last report of an evaluation
    double elapsed_s = 0;    // wall time since the run (or the resume) started
};
struct EvalReport {
    int step = 0;
    float train_loss = 0, val_loss = 0, lr = 0, grad_norm = 0;
    double tokens_per_s = 0, elapsed_s = 0;
};
struct TrainCallbacks {
    std::function<void(const Transformer&)> on_start;  // the model is built, before step 1
    std::function<void(const StepReport&)> on_step;  // after every step
    std::function<void(const EvalReport&)> on_eval;  // after every evaluation (and its checkpoint)
    // During an evaluation, after the forward of each validation batch, before the tape is reset:
    // the model's activations of that batch can be read (the gate telemetry does).
    std::function<void(const Transformer&)> on_val_forward;
};

struct TrainSummary {
    int steps_done = 0;
    bool interrupted = false;   // stopped by Ctrl-C or stop_after (checkpoint saved)
    bool diverged = false;      // stopped at steps_done: the loss was NaN or infinite (the
                                // checkpoint is the last good one; summary.json says diverged)
    float final_train_loss = 0, final_val_loss = 0, best_val_loss = 0;
    int best_val_step = 0;      // the step of the evaluation with best_val_loss
    double ms_per_step = 0;     // training steps only, evaluations excluded
    double tokens_per_s = 0;
    int d_ff = 0;
    int64_t ffn_params = 0, total_params = 0;
};

// Train into `out_dir`. With `resume`, config.json and the checkpoints in out_dir are read and
// the run continues (only cfg.threads and cfg.stop_after are taken from `cfg`); otherwise
// out_dir must not hold a run unless `force`. Resuming a finished run trains nothing and
// rewrites nothing: it returns the summary with steps_done = steps.
TrainSummary train_run(const TrainConfig& cfg, const std::string& out_dir, bool resume, bool force,
                       const TrainCallbacks& callbacks = {});
// The summary.json of a finished run in `dir` (what train_run returned when it finished).
TrainSummary read_run_summary(const std::string& dir);
// Whether the run in `dir` diverged (its summary.json says so; false without one).
bool run_diverged(const std::string& dir);
// The config of the run saved in `dir` (its config.json).
TrainConfig load_train_config(const std::string& dir);

// Mean loss of `model` over a fixed set of batches, without recording (NoGrad); `after_forward`,
// if given, is called after each batch's forward, before the tape is reset.
float evaluate(Transformer& model, Tape& tape, const EvalBatches& batches,
               const std::function<void(const Transformer&)>& after_forward = {});

}  // namespace glulab
