// cmd_train.cpp — `glulab train`: train one model into a run directory.
//
// Lesson 12 · training
#include "commands.hpp"
#include "flags.hpp"

#include "glulab/trainer.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>

namespace glulab {

namespace {

struct TrainArgs {
    TrainConfig cfg;
    std::string ffn = "swiglu";
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
}

// given_config_flags without --stop-after, which (like --threads) belongs to this invocation.
std::string given_run_flags(const CLI::App& cmd) {
    std::string given = given_config_flags(cmd), kept;
    for (size_t at = 0; at < given.size();) {
        size_t end = std::min(given.find(", ", at), given.size());
        std::string name = given.substr(at, end - at);
        if (name != "--stop-after") kept += (kept.empty() ? "" : ", ") + name;
        at = end + 2;
    }
    return kept;
}

void run(TrainArgs& a, const CLI::App& cmd) {
    std::string dir = a.resume.empty() ? a.out : a.resume;
    if (!a.resume.empty()) {
        const std::string given = given_run_flags(cmd);
        GLULAB_CHECK(given.empty(),
                     "a resumed run keeps its config.json; only --threads and --stop-after may change",
                     "--resume cannot be combined with {}", given);
        TrainConfig saved = load_train_config(a.resume);
        saved.threads = a.cfg.threads;
        saved.stop_after = a.cfg.stop_after;
        a.cfg = saved;
    } else {
        a.cfg.model.ffn = parse_ffn_kind(a.ffn);
        if (dir.empty()) dir = fmt::format("runs/{}-{}", a.ffn, a.cfg.seed);
    }
    // Check everything that can be checked before the data is read and the model is built.
    a.cfg.validate();
    ModelConfig probe = a.cfg.model;
    probe.vocab_size = probe.vocab_size > 0 ? probe.vocab_size : 1;
    probe.validate();

    print_start(a.cfg, dir);
    ProgressDisplay progress;
    TrainCallbacks cb;
    cb.on_start = [](const Transformer& model) { fmt::print("{}", format_param_table(model.param_table())); };
    cb.on_step = [&](const StepReport& r) { progress.step(r); };
    cb.on_eval = [&](const EvalReport& r) { progress.eval(r); };
    TrainSummary s = train_run(a.cfg, dir, !a.resume.empty(), a.force, cb);
    progress.finish();
    if (s.interrupted) {
        fmt::print("interrupted at step {}: checkpoint saved; continue with `glulab train --resume {}`\n",
                   s.steps_done, dir);
        throw CLI::RuntimeError(130);
    }
    fmt::print("done: {} steps, val loss {:.4f} (best {:.4f}), {:.1f} ms/step, {:.0f} tok/s\n",
               s.steps_done, s.final_val_loss, s.best_val_loss, s.ms_per_step, s.tokens_per_s);
    fmt::print("files: {0}/model.safetensors, {0}/metrics.csv; try `glulab sample --ckpt {0}/model.safetensors`\n",
               dir);
}

}  // namespace

void add_train_command(CLI::App& app) {
    auto args = std::make_shared<TrainArgs>();
    CLI::App* cmd = app.add_subcommand("train", "Train a character-level transformer into a run directory");
    cmd->add_option("--ffn", args->ffn, "feed-forward kind: " + ffn_kind_names())->capture_default_str();
    add_train_flags(*cmd, args->cfg);
    cmd->add_option("--out", args->out, "run directory (default runs/<ffn>-<seed>)");
    cmd->add_flag("--force", args->force, "overwrite an existing run directory");
    cmd->add_option("--resume", args->resume, "continue the run saved in this directory");
    cmd->add_option("--stop-after", args->cfg.stop_after,
                    "stop as if interrupted (Ctrl-C) after step N: save a checkpoint and exit 130")
        ->check(CLI::NonNegativeNumber);
    cmd->callback([args, cmd] { run(*args, *cmd); });
}

}  // namespace glulab
