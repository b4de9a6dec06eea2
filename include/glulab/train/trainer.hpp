// trainer.hpp — one training run, from a text file to a run directory.
//
// `train_run` is what `glulab train` and `glulab compare` call. It fills a run directory with
// config.json, metrics.csv, summary.json and the checkpoint pair (model.safetensors,
// optimizer.safetensors); gated FFN kinds get gates.csv from the experiment layer, through
// on_val_forward and on_eval (experiment/gates.hpp → with_gate_telemetry). run_dir.hpp names
// the files and is the one module that writes and reads them.
// A checkpoint is written at every evaluation and when the run is interrupted (Ctrl-C or
// SIGTERM: one stop request, polled after every step, stop.hpp), so
// `--resume DIR` continues from there and gives the same losses as a run never interrupted:
// the batches come from the same seeded sampler, fast-forwarded to the resumed step.
// `stop_after` interrupts a run on purpose, through the same path as Ctrl-C, so a test can
// check that claim. Like `threads`, it belongs to one invocation: config.json does not keep it.
//
// Lesson 12 · training
#pragma once

#include "glulab/train/data.hpp"
#include "glulab/nn/model.hpp"
#include "glulab/train/optim.hpp"
#include "glulab/train/run_dir.hpp"

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
    double test_split = 0;                          // share of the text held out as a test
                                                    // split, read once at the end (data.hpp),
                                                    // e.g. 0.05; 0 = none (config.json then
                                                    // has no "test_split" key)
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
    static constexpr double kMaxTestSplit = 0.09;           // below the validation split's 0.1
    static constexpr int64_t kMaxEvalTokens = 1 << 24;      // eval_batches * B * T
    static constexpr int64_t kMaxActivationFloats = int64_t{1} << 31;  // a step's L B NH T^2 + 2 B T V
};
// The config a resume of `dir` runs with: its config.json, with the settings that belong to one
// invocation taken from `invocation`: threads, stop_after and shard_optimizer (config.json
// keeps none of them; the command line's flags for them are cli/flags.hpp → kInvocationFlags).
TrainConfig resume_config(const std::string& dir, const TrainConfig& invocation);
// config.json's text (both defined in json_io.cpp).
std::string train_config_to_json(const TrainConfig& cfg);
// Refuses an integer that wraps, a negative size or a string where a number belongs, naming
// `where` (the file) and the key; then cfg.validate().
TrainConfig train_config_from_json(const std::string& json, const std::string& where = "config.json");

// What the caller hears about, to draw progress.
struct StepReport {
    int step = 0;            // steps done, 1..steps
    int steps = 0;           // steps in the run
    float loss = 0;          // this step's training loss
    float lr = 0;            // the learning rate it used
    float grad_norm = 0;     // its gradient norm before clipping
    double tokens_per_s = 0; // averaged over the steps since the last report of an evaluation
    double elapsed_s = 0;    // wall time since the run (or the resume) started
};
struct EvalReport {
    int step = 0;
    float train_loss = 0, val_loss = 0, lr = 0, grad_norm = 0;
    double tokens_per_s = 0, elapsed_s = 0;
};
struct TrainCallbacks {
    // The run's config, once known and valid (on resume, config.json's with this invocation's
    // settings: resume_config), before the data is read.
    std::function<void(const TrainConfig&)> on_config;
    std::function<void(const Transformer&)> on_start;  // the model is built, before step 1
    std::function<void(const StepReport&)> on_step;  // after every step
    // After every evaluation and its metrics.csv row, before its checkpoint: a kill between the
    // two leaves rows past the checkpoint, which a resume drops (run_dir.hpp).
    std::function<void(const EvalReport&)> on_eval;
    // During an evaluation, after the forward of each validation batch, before the tape is reset:
    // the model's activations of that batch can be read (the gate telemetry does).
    std::function<void(const Transformer&)> on_val_forward;
    // Whenever the run's state is saved, with the step it is saved at: just before every
    // checkpoint (after an evaluation, or when the run is interrupted), and when the run
    // diverges. What a telemetry keeps per step is written here, so a resume from that
    // checkpoint finds exactly the rows up to it (experiment/stability.hpp).
    std::function<void(int step)> on_save;
};

// Train into `out_dir`. With `resume`, config.json and the checkpoints in out_dir are read and
// the run continues (only what belongs to the invocation, cfg.threads, cfg.stop_after and
// cfg.shard_optimizer, is taken from `cfg`); otherwise
// out_dir must not hold a run unless `force`. Resuming a finished run trains nothing and
// rewrites nothing: it returns the summary with steps_done = steps.
TrainSummary train_run(const TrainConfig& cfg, const std::string& out_dir, bool resume, bool force,
                       const TrainCallbacks& callbacks = {});
// Mean loss of `model` over a fixed set of batches, without recording (NoGrad); `after_forward`,
// if given, is called after each batch's forward, before the tape is reset.
float evaluate(Transformer& model, Tape& tape, const EvalBatches& batches,
               const std::function<void(const Transformer&)>& after_forward = {});

}  // namespace glulab
