// cmd_train.cpp — `glulab train`: train one model into a run directory.
//
// Lesson 12 · training
#include "commands.hpp"
#include "flags.hpp"
#include "progress.hpp"

#include "glulab/train/data_parallel.hpp"
#include "glulab/platform/dist.hpp"
#include "glulab/experiment/stability.hpp"
#include "glulab/train/trainer.hpp"

#include <fmt/format.h>  // fmt::join

#include <algorithm>
#include <filesystem>
#include <memory>

namespace glulab {

namespace {

struct TrainArgs {
    TrainConfig cfg;
    std::string out;
    std::string resume;
    bool force = false;
};

void print_start(const TrainConfig& cfg, const std::string& dir) {
    const ModelConfig& m = cfg.model;
    fmt::print("glulab train -> {}\n", dir);
    fmt::print("  model  ffn {}  norm {}  L {}  C {}  NH {}  T {}  H {}  dropout {}\n", ffn_kind_name(m.ffn),
               norm_kind_name(m.norm), m.layers, m.d_model, m.heads, m.ctx, m.ffn_hidden(), m.dropout);
    fmt::print("  optim  AdamW lr {} -> {} (warmup {}, cosine)  betas ({}, {})  wd {}  clip {}\n",
               cfg.optim.lr, cfg.optim.min_lr, cfg.optim.warmup, cfg.optim.beta1, cfg.optim.beta2,
               cfg.optim.weight_decay, cfg.optim.clip);
    fmt::print("  run    steps {}  B {}  eval every {} on {} batches  seed {}  data {}\n",
               cfg.optim.steps, cfg.batch, cfg.eval_every, cfg.eval_batches, cfg.seed, cfg.data);
    if (dist_size() > 1)
        fmt::print("  ranks  {} (mpirun), {} sequences of each batch per rank, optimizer {}\n", dist_size(),
                   cfg.batch / dist_size(), cfg.shard_optimizer ? "sharded (ZeRO-1)" : "replicated");
}

// AdamW's m and v as allocated on rank 0 (sharded: its slice, the largest; DataParallel has
// already freed the rest).
void print_optimizer_memory(const Transformer& model) {
    const ParamStore& ps = model.params();
    fmt::print("optimizer state per rank: {:.2f} MB (m and v of {} of {} parameters)\n",
               ps.moment_floats() * sizeof(float) / 1e6, ps.moment_floats() / 2, ps.size());
}


// Decoupled weight decay scales the weights by 1 - lr * weight_decay every step: at 1 or more
// that flips or zeroes them, and the cure is a smaller decay, not a smaller learning rate.
std::string divergence_hint(const OptimConfig& o) {
    const double shrink = double(o.lr) * o.weight_decay;
    if (shrink >= 1.0)
        return fmt::format("--weight-decay {} x --lr {} = {:g} scales the weights by 1 - {:g} each step; keep "
                           "--weight-decay below 1 / --lr", o.weight_decay, o.lr, shrink, shrink);
    return "try a lower --lr";
}

void run(TrainArgs& a, const Command& cmd) {
    std::string dir = a.resume.empty() ? a.out : a.resume;
    if (!a.resume.empty()) {
        GLULAB_CHECK(a.out.empty() || std::filesystem::path(a.out) == std::filesystem::path(a.resume),
                     "a resumed run stays in its directory; leave --out out",
                     "--resume {} continues the run in {}, so --out {} would be ignored", a.resume, a.resume, a.out);
        const std::vector<std::string> given = given_config_flags(cmd);
        GLULAB_CHECK(given.empty(),
                     "a resumed run keeps its config.json; only --threads, --stop-after and --shard-optimizer may change",
                     "--resume cannot be combined with {}", fmt::join(given, ", "));
    } else {
        apply_train_defaults(cmd, a.cfg);
        if (dir.empty()) dir = fmt::format("runs/{}-{}", ffn_kind_name(a.cfg.model.ffn), a.cfg.seed);
        // Check everything the flags alone decide before the data is read and the model is built.
        a.cfg.validate();
        ModelConfig probe = a.cfg.model;
        probe.vocab_size = probe.vocab_size > 0 ? probe.vocab_size : 1;
        probe.validate();
        batch_rows(a.cfg.batch);  // under mpirun: B must split evenly over the ranks
    }

    ProgressDisplay progress;
    TrainCallbacks cb;
    // The run's config once train_run knows it: on --resume the one it reads from config.json
    // (train_run reads the file once; this command never does).
    cb.on_config = [&a, &dir](const TrainConfig& c) {
        a.cfg = c;
        print_start(c, dir);
    };
    cb.on_start = [&a](const Transformer& model) {
        fmt::print("{}", format_param_table(model.param_table()));
        if (dist_size() > 1 || a.cfg.shard_optimizer) print_optimizer_memory(model);
    };
    cb.on_step = [&](const StepReport& r) { progress.step(r); };
    cb.on_eval = [&](const EvalReport& r) { progress.eval(r); };
    TrainSummary s = train_run(a.cfg, dir, !a.resume.empty(), a.force, with_run_telemetry(dir, cb));
    progress.finish();
    if (s.interrupted) {
        fmt::print("interrupted at step {}: checkpoint saved; continue with `glulab train --resume {}`\n",
                   s.steps_done, dir);
        throw ExitCode{130};
    }
    if (s.diverged) {
        fmt::print(stderr, "glulab: error: the run diverged at step {}: the loss is not a finite number; "
                   "the checkpoint is the last good one (hint: {})\n", s.steps_done, divergence_hint(a.cfg.optim));
        throw ExitCode{3};
    }
    fmt::print("done: {} steps, val loss {:.4f} (best {:.4f}), {:.1f} ms/step, {:.0f} tok/s\n",
               s.steps_done, s.final_val_loss, s.best_val_loss, s.ms_per_step, s.tokens_per_s);
    fmt::print("files: {0}/model.safetensors, {0}/metrics.csv; try `glulab sample --ckpt {0}/model.safetensors`\n",
               dir);
}

}  // namespace

void add_train_command(CLI::App& app) {
    auto args = std::make_shared<TrainArgs>();
    Command* cmd = add_command(app, "train", "Train a character-level transformer into a run directory");
    // Parsed as the flag is read, as --norm is (flags.cpp): a wrong name fails before anything else.
    cmd->add_option_function("--ffn", [&cfg = args->cfg](const std::string& name) { cfg.model.ffn = parse_ffn_kind(name); },
                             "feed-forward kind: " + ffn_kind_names())
        ->default_str(std::string(ffn_kind_name(args->cfg.model.ffn)));
    add_train_flags(*cmd, args->cfg);
    cmd->add_option("--out", args->out, "run directory (default runs/<ffn>-<seed>)");
    cmd->add_flag("--force", args->force, "overwrite an existing run directory");
    cmd->add_option("--resume", args->resume, "continue the run saved in this directory");
    cmd->add_option("--stop-after", args->cfg.stop_after,
                    "stop as if interrupted (Ctrl-C) after step N: save a checkpoint and exit 130")
        ->check(non_negative());
    cmd->add_flag("--shard-optimizer", args->cfg.shard_optimizer,
                  "under mpirun: each rank keeps AdamW's moments for 1/N of the weights (ZeRO-1)");
    cmd->callback([args, cmd] { run(*args, *cmd); });
}

}  // namespace glulab
