// trainer.cpp — one training run: data, model, AdamW, evaluations, checkpoints (trainer.hpp).
//
// Lesson 12 · training
#include "glulab/train/trainer.hpp"

#include "glulab/train/checkpoint.hpp"
#include "glulab/train/run_dir.hpp"
#include "glulab/train/data.hpp"
#include "glulab/train/data_parallel.hpp"
#include "glulab/platform/dist.hpp"
#include "glulab/ops/speed.hpp"
#include "glulab/platform/threads.hpp"
#include "glulab/platform/rng.hpp"
#include "glulab/train/run_lock.hpp"
#include "glulab/train/stop.hpp"
#include "glulab/core/tape.hpp"

#include <omp.h>

#include <chrono>
#include <climits>
#include <cmath>
#include <filesystem>
#include <optional>

namespace glulab {

namespace fs = std::filesystem;

// Configuration
// -------------

void TrainConfig::validate() const {
    GLULAB_CHECK(batch > 0, "try --batch 16", "batch size must be positive, got {}", batch);
    GLULAB_CHECK(batch <= kMaxBatch, "try --batch 16", "--batch {} is above glulab's limit of {}", batch, kMaxBatch);
    GLULAB_CHECK(int64_t{batch} * model.ctx <= kMaxTokensPerStep, "lower --batch or --ctx",
                 "--batch {} x --ctx {} tokens per step are above glulab's limit of {}", batch,
                 model.ctx, kMaxTokensPerStep);
    GLULAB_CHECK(eval_every > 0, "try --eval-every 100", "--eval-every must be positive, got {}", eval_every);
    GLULAB_CHECK(eval_batches > 0, "try --eval-batches 20", "--eval-batches must be positive, got {}",
                 eval_batches);
    GLULAB_CHECK(threads >= 0 && threads <= kMaxThreads, "0 means all cores", "--threads {} is outside [0, {}]",
                 threads, kMaxThreads);
    // config.json stores the seed as a JSON integer, which resume reads back as a signed 64-bit
    // number: a larger seed would train, then never resume.
    GLULAB_CHECK(seed <= uint64_t{INT64_MAX}, "seeds run from 0 to 2^63 - 1",
                 "--seed {} is above the largest seed, 2^63 - 1 = {}", seed, INT64_MAX);
    // What a step and an evaluation allocate, checked before anything is allocated or any file
    // written (doubles, so that no product of these sizes can wrap around).
    const double eval_tokens = double(eval_batches) * batch * model.ctx;
    GLULAB_CHECK(eval_tokens <= double(kMaxEvalTokens), "lower --eval-batches",
                 "--eval-batches {} x --batch {} x --ctx {} = {:.0f} tokens per estimate are above glulab's "
                 "limit of {}", eval_batches, batch, model.ctx, eval_tokens, kMaxEvalTokens);
    const double scores = double(model.layers) * batch * model.heads * model.ctx * model.ctx;
    const double logits = 2.0 * batch * model.ctx * model.vocab_size;  // logits and their probabilities
    GLULAB_CHECK(scores + logits <= double(kMaxActivationFloats), "lower --batch or --ctx",
                 "--batch {} x --ctx {}: a step would keep {:.1f} GB of attention probabilities (L x B x NH x T x T) "
                 "and logits (B x T x V), above glulab's limit of {:.0f} GB", batch, model.ctx,
                 (scores + logits) * 4 / 1e9, double(kMaxActivationFloats) * 4 / 1e9);
    GLULAB_CHECK(stop_after >= 0, "0 means never", "--stop-after must be >= 0, got {}", stop_after);
    GLULAB_CHECK(test_split >= 0 && test_split <= kMaxTestSplit, "e.g. --test-split 0.05",
                 "--test-split {} is outside [0, {}]: the test split is cut from the validation split's 10%",
                 test_split, kMaxTestSplit);
    optim.validate();
}

// train_config_to_json and train_config_from_json: json_io.cpp.

TrainConfig resume_config(const std::string& dir, const TrainConfig& invocation) {
    TrainConfig cfg = load_train_config(dir);
    cfg.threads = invocation.threads;
    cfg.stop_after = invocation.stop_after;
    cfg.shard_optimizer = invocation.shard_optimizer;
    return cfg;
}

namespace {

// Thrown by evaluate when Ctrl-C or SIGTERM arrives in the middle of an evaluation, which at
// thousands of batches can take minutes: train_run then stops at once, without this
// evaluation's row or checkpoint, at its last checkpoint (a resume continues from there).
struct EvaluationStopped {};

// --threads applies to this run only: the caller's OpenMP thread count comes back afterwards.
// 0 measures what is faster on the machine as it is now (platform/threads.hpp).
struct ThreadsScope {
    int before = omp_get_max_threads();
    explicit ThreadsScope(int threads) { omp_set_num_threads(choose_threads(threads, step_probe)); }
    ~ThreadsScope() { omp_set_num_threads(before); }
};

void summarize_metrics(const std::vector<MetricRow>& rows, int tokens_per_step, TrainSummary& s) {
    double seconds = 0;
    int prev = 0;
    s.best_val_loss = 1e30f;
    for (const MetricRow& r : rows) {
        if (r.tokens_per_s > 0) seconds += static_cast<double>(r.step - prev) * tokens_per_step / r.tokens_per_s;
        prev = r.step;
        s.final_train_loss = static_cast<float>(r.train_loss);
        s.final_val_loss = static_cast<float>(r.val_loss);
        if (s.final_val_loss < s.best_val_loss) {
            s.best_val_loss = s.final_val_loss;
            s.best_val_step = r.step;
        }
    }
    s.ms_per_step = prev > 0 ? 1e3 * seconds / prev : 0;
    s.tokens_per_s = seconds > 0 ? static_cast<double>(prev) * tokens_per_step / seconds : 0;
}

// A run with its last checkpoint but no summary.json (stopped between the two): its summary
// from an evaluation of that checkpoint and its metrics.csv (speed unknown: 0).
TrainSummary finish_run_summary(Transformer& model, const EvalBatches& train_eval, const EvalBatches& val_eval,
                                const std::optional<EvalBatches>& test_eval, const fs::path& dir, int steps) {
    Tape tape;
    const ParamTable table = model.param_table();
    TrainSummary sum;
    sum.steps_done = steps;
    sum.final_train_loss = evaluate(model, tape, train_eval);
    sum.final_val_loss = evaluate(model, tape, val_eval);
    sum.best_val_loss = sum.final_val_loss;
    if (test_eval) sum.test_loss = evaluate(model, tape, *test_eval);
    for (const MetricRow& r : read_run_metrics(dir.string()))
        sum.best_val_loss = std::min(sum.best_val_loss, static_cast<float>(r.val_loss));
    sum.d_ff = model.d_ff();
    sum.ffn_params = table.counts.ffn;
    sum.total_params = table.counts.total;
    write_run_summary(dir.string(), sum);
    return sum;
}

}  // namespace

float evaluate(Transformer& model, Tape& tape, const EvalBatches& batches,
               const std::function<void(const Transformer&)>& after_forward) {
    NoGrad off(tape);
    // Under mpirun each rank evaluates its rows of every batch (data_parallel.hpp).
    const BatchRows rows = batch_rows(batches.B());
    const size_t first = static_cast<size_t>(rows.begin) * static_cast<size_t>(batches.T());
    double total = 0;
    for (int i = 0; i < batches.count(); i++) {
        if (dist_size() == 1 && stop_requested()) throw EvaluationStopped{};  // ranks would disagree
        tape.reset();
        total += model.loss(tape, batches.inputs(i) + first, batches.targets(i) + first, rows.count,
                            batches.T()).data[0];
        if (after_forward) after_forward(model);  // reads this forward's activations before the reset
    }
    tape.reset();
    return static_cast<float>(mean_over_ranks(total) / batches.count());
}

// train_run
// ---------
// The loop is the one of optim.hpp, with evaluations and checkpoints every eval_every steps:
//
//     for step in [start, steps):
//         tape.reset(); params.zero_grad(); sampler.next()
//         loss = model.loss(tape, inputs, targets, B, T)          forward, recorded
//         tape.backward(loss)                                     gradients
//         norm = clip_grad_norm(params, clip)
//         adamw_step(params, optim, learning_rate(optim, step), step + 1)
TrainSummary train_run(const TrainConfig& cfg_in, const std::string& out_dir, bool resume,
                       bool force, const TrainCallbacks& callbacks) {
    const fs::path dir(out_dir);
    TrainConfig cfg = resume ? resume_config(out_dir, cfg_in) : cfg_in;
    cfg.validate();
    if (callbacks.on_config) callbacks.on_config(cfg);
    const BatchRows rows = batch_rows(cfg.batch);  // under mpirun: this rank's rows of a batch
    const bool writer = dist_rank() == 0;          // only rank 0 writes the run directory
    if (!resume && !force && fs::exists(dir)) {
        GLULAB_CHECK(!holds_run(out_dir), "pass --force to overwrite it, or --resume to continue it",
                     "{} already holds a run", out_dir);
        GLULAB_CHECK(fs::is_directory(dir) && holds_only_leftovers(out_dir),
                     "choose another --out, or pass --force to write the run into it anyway",
                     "{} is not empty and is not a glulab run", out_dir);
    }
    ThreadsScope threads(cfg.threads);

    Corpus corpus = load_corpus(cfg.data, cfg.test_split);
    cfg.model.vocab_size = corpus.vocab.size();
    cfg.model.validate();
    cfg.validate();  // again, now that V is known (the logits' memory)
    const int B = cfg.batch, T = cfg.model.ctx;
    // Sizes are checked (the text must hold a window of T + 1 in each split) before any file is
    // written.
    GLULAB_CHECK(corpus.data.train().size() > size_t(T) && corpus.data.val().size() > size_t(T),
                 "give a longer text, or a shorter --ctx",
                 "'{}' has {} characters: its train split ({}) and val split ({}) must each hold a window of "
                 "T + 1 = {} (--ctx + 1)", cfg.data, corpus.data.ids().size(), corpus.data.train().size(),
                 corpus.data.val().size(), T + 1);
    BatchSampler sampler(corpus.data.train(), B, T, cfg.seed);
    EvalBatches train_eval(corpus.data.train(), B, T, cfg.eval_batches, cfg.seed + 1);
    EvalBatches val_eval(corpus.data.val(), B, T, cfg.eval_batches, cfg.seed + 2);
    std::optional<EvalBatches> test_eval;  // read once, by the finished run's last evaluation
    if (cfg.test_split > 0) test_eval.emplace(corpus.data.test(), B, T, cfg.eval_batches, cfg.seed + 3);

    Transformer model(cfg.model);
    model.init(cfg.seed);
    ParamStore& params = model.params();
    DataParallel dp(params, cfg.shard_optimizer);
    int start = 0;
    dist_barrier();  // every rank has checked the directory before rank 0 writes into it
    // One process per run directory, from here on (a new run's directory is made here); under
    // mpirun rank 0, the one that writes, holds the lock for all ranks.
    if (!resume && writer) fs::create_directories(dir);
    std::optional<RunLock> lock;
    if (writer) lock.emplace(out_dir);
    if (resume) {
        // A run stopped before its first checkpoint (config.json, no pair yet) starts again
        // from step 0 with the same initial weights; half a pair is refused by load_checkpoint.
        if (fs::exists(run_file(out_dir, run_files::model)) || fs::exists(run_file(out_dir, run_files::optimizer)))
            start = load_checkpoint(out_dir, model, corpus.vocab, cfg.data);  // checked; sharded: each rank reads its slice
        if (start >= cfg.optim.steps && fs::exists(run_file(out_dir, run_files::summary)))
            return read_run_summary(out_dir);  // nothing to train or write
        if (start >= cfg.optim.steps) {  // finished, but stopped before its summary was written
            try {
                return finish_run_summary(model, train_eval, val_eval, test_eval, dir, start);
            } catch (const EvaluationStopped&) {  // a Ctrl-C already pending (compare): next time
                return TrainSummary{.steps_done = start, .interrupted = true};
            }
        }
        GLULAB_CHECK(cfg.stop_after == 0 || cfg.stop_after > start, "give a later step, or leave it out",
                     "--stop-after {}: the run is already at step {}", cfg.stop_after, start);
        for (int s = 0; s < start; s++) sampler.next();  // the batches the run already used
    } else if (writer) {
        fs::create_directories(dir);
        remove_run_outputs(out_dir);  // the old pair goes before the new config arrives
        write_run_config(out_dir, cfg);
    }
    // On resume, the rows of the evaluations the checkpoint contains: a kill between an
    // evaluation's row and its checkpoint leaves one row more, computed again below.
    std::vector<MetricRow> metrics = rows_up_to(read_run_metrics(out_dir), start);

    const ParamTable table = model.param_table();
    TrainSummary sum;
    sum.d_ff = model.d_ff();
    sum.ffn_params = table.counts.ffn;
    sum.total_params = table.counts.total;
    sum.best_val_loss = 1e30f;

    int saved_step = start;  // the step of the checkpoint on disk
    auto save_checkpoint = [&](int step) {
        if (callbacks.on_save) callbacks.on_save(step);  // its rows first, as metrics.csv's
        dp.gather_moments(params);  // sharded: rank 0 collects every rank's AdamW moments
        if (writer) glulab::save_checkpoint(out_dir, model, corpus.vocab, step);
        dp.release_moments(params);  // and gives the others' back
        saved_step = step;
    };

    if (callbacks.on_start) callbacks.on_start(model);
    Tape tape;
    StopOnSignal stop_on_signal;  // Ctrl-C and SIGTERM: stop after the current step (stop.hpp)
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    double train_seconds = 0, window_seconds = 0;
    int window_steps = 0;
    float norm = 0;
    for (int step = start; step < cfg.optim.steps; step++) {
        const auto s0 = clock::now();
        tape.reset();
        params.zero_grad();
        sampler.next();
        model.reseed_dropout(Rng(cfg.seed).next_u64() + static_cast<uint64_t>(step));  // masks of this step
        const size_t first = static_cast<size_t>(rows.begin) * static_cast<size_t>(T);
        model.train(rows.begin);  // dropout on, for this rank's rows of the global batch
        Tensor loss = model.loss(tape, sampler.inputs() + first, sampler.targets() + first, rows.count, T);
        model.eval();  // the masks are on the tape; evaluations see no dropout
        const float step_loss = static_cast<float>(mean_over_ranks(loss.data[0]));  // the full batch's
        if (!std::isfinite(step_loss)) {  // diverged: keep the last good checkpoint
            sum.diverged = true;
            sum.steps_done = step + 1;
            break;
        }
        tape.backward(loss);
        const float lr = learning_rate(cfg.optim, step);
        norm = dp.update(params, cfg.optim, lr, step + 1);  // clip + AdamW (+ the collectives)
        const double dt = std::chrono::duration<double>(clock::now() - s0).count();
        train_seconds += dt;
        window_seconds += dt;
        window_steps++;
        const double elapsed = std::chrono::duration<double>(clock::now() - t0).count();
        const double tok_s = window_steps * B * T / window_seconds;
        if (callbacks.on_step) callbacks.on_step({step + 1, cfg.optim.steps, step_loss, lr, norm, tok_s, elapsed});
        sum.final_train_loss = step_loss;
        sum.steps_done = step + 1;

        const bool last = step + 1 == cfg.optim.steps;
        if ((step + 1) % cfg.eval_every == 0 || last) {
            EvalReport r;
            try {
                r = {step + 1, evaluate(model, tape, train_eval),
                     evaluate(model, tape, val_eval, callbacks.on_val_forward), lr, norm, tok_s, elapsed};
            } catch (const EvaluationStopped&) {
                sum.interrupted = true;
                sum.steps_done = saved_step;
                break;
            }
            if (!std::isfinite(r.train_loss) || !std::isfinite(r.val_loss)) {
                sum.diverged = true;
                break;
            }
            // The evaluation's rows first (metrics.csv here, gates.csv in on_eval), its
            // checkpoint last: a kill in between leaves rows a resume drops (run_dir.hpp).
            metrics.push_back(as_written({r.step, r.train_loss, r.val_loss, r.lr, r.grad_norm, r.tokens_per_s,
                                          r.elapsed_s}));
            if (writer) write_metrics(out_dir, metrics);
            sum.final_train_loss = r.train_loss;
            sum.final_val_loss = r.val_loss;
            sum.best_val_loss = std::min(sum.best_val_loss, r.val_loss);
            if (callbacks.on_eval) callbacks.on_eval(r);
            save_checkpoint(step + 1);
            window_seconds = 0;
            window_steps = 0;
        }
        // Ctrl-C, or stop_after standing in for it: the same checkpoint, the same summary.
        // Rank 0 decides for all, so that every rank stops after the same step.
        const bool interrupted = dist_broadcast_int(stop_requested() ? 1 : 0) != 0;
        if ((interrupted || step + 1 == cfg.stop_after) && !last) {
            save_checkpoint(step + 1);
            sum.interrupted = true;
            break;
        }
    }
    if (sum.interrupted || sum.diverged) {  // this session's speed; a whole run's comes from metrics.csv
        const int ran = sum.steps_done - start;
        sum.ms_per_step = ran > 0 ? 1e3 * train_seconds / ran : 0;
        sum.tokens_per_s = train_seconds > 0 ? ran * B * T / train_seconds : 0;
    } else {
        summarize_metrics(metrics, B * T, sum);  // every rank: the caller's summary is the run's
        if (test_eval) sum.test_loss = evaluate(model, tape, *test_eval);  // the one read of the test split
    }
    if (sum.diverged && writer) write_metrics(out_dir, metrics);  // the finite rows so far
    if (sum.diverged && callbacks.on_save) callbacks.on_save(sum.steps_done);
    if (!sum.interrupted && writer) write_run_summary(out_dir, sum);
    return sum;
}

}  // namespace glulab
