// flags.cpp — shared flags and the training progress display (see flags.hpp).
//
// Lesson 12 · training
#include "flags.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>

namespace glulab {

void add_model_flags(CLI::App& cmd, ModelConfig& m) {
    cmd.add_option("--layers", m.layers, "L, transformer blocks")->check(CLI::PositiveNumber)->capture_default_str();
    cmd.add_option("--d-model", m.d_model, "C, channels")->check(CLI::PositiveNumber)->capture_default_str();
    cmd.add_option("--heads", m.heads, "NH, attention heads (must divide C)")->check(CLI::PositiveNumber)->capture_default_str();
    cmd.add_option("--ctx", m.ctx, "T, context length")->check(CLI::PositiveNumber)->capture_default_str();
    cmd.add_option("--d-ff", m.d_ff, "H, FFN hidden width (0: 4C, or 2/3 of that for gated kinds)")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    cmd.add_option("--multiple-of", m.multiple_of, "round the gated H up to a multiple of this")
        ->check(CLI::PositiveNumber)->capture_default_str();
    cmd.add_option("--dropout", m.dropout, "dropout probability while training")
        ->check(CLI::Range(0.0, 0.99))->capture_default_str();
    cmd.add_option_function<std::string>("--norm", [&m](const std::string& name) { m.norm = parse_norm_kind(name); },
                                         "normalisation: " + norm_kind_names())
        ->default_str(std::string(norm_kind_name(m.norm)));
}

void add_train_flags(CLI::App& cmd, TrainConfig& c) {
    cmd.add_option("--data", c.data, "training text, UTF-8 (`make data` fetches tiny-shakespeare)")
        ->capture_default_str();
    add_model_flags(cmd, c.model);
    cmd.add_option("--batch", c.batch, "B, sequences per step")->check(CLI::PositiveNumber)->capture_default_str();
    cmd.add_option("--steps", c.optim.steps, "training steps")->check(CLI::PositiveNumber)->capture_default_str();
    cmd.add_option("--lr", c.optim.lr, "peak learning rate")->check(CLI::PositiveNumber)->capture_default_str();
    cmd.add_option("--min-lr", c.optim.min_lr, "learning rate at the last step")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    cmd.add_option("--warmup", c.optim.warmup, "steps of linear warmup")->check(CLI::NonNegativeNumber)->capture_default_str();
    cmd.add_option("--weight-decay", c.optim.weight_decay, "AdamW decoupled weight decay (matrices only)")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    cmd.add_option("--clip", c.optim.clip, "global gradient-norm clip (0: off)")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    cmd.add_option("--seed", c.seed, "seed for weights, batches and dropout")->capture_default_str();
    cmd.add_option("--eval-every", c.eval_every, "steps between evaluations and checkpoints")
        ->check(CLI::PositiveNumber)->capture_default_str();
    cmd.add_option("--eval-batches", c.eval_batches, "batches per train/val loss estimate")
        ->check(CLI::PositiveNumber)->capture_default_str();
    cmd.add_option("--threads", c.threads, "OpenMP threads (0: all cores)")->check(CLI::NonNegativeNumber)
        ->capture_default_str();
}

std::string given_config_flags(const CLI::App& cmd) {
    std::string given;
    for (const CLI::Option* opt : cmd.get_options()) {
        const std::string name = opt->get_name();
        if (opt->count() > 0 && name != "--threads" && name != "--resume" && name != "--help" &&
            name != "--out" && name != "--force")
            given += (given.empty() ? "" : ", ") + name;
    }
    return given;
}

// ProgressDisplay
// ---------------

ProgressDisplay::ProgressDisplay(std::string label) : label_(std::move(label)), tty_(on_terminal()) {}

bool ProgressDisplay::on_terminal() { return isatty(fileno(stdout)) != 0; }

std::string duration(double s) {
    const int t = static_cast<int>(s + 0.5);
    return t >= 3600 ? fmt::format("{}h{:02}m", t / 3600, t / 60 % 60)
           : t >= 60 ? fmt::format("{}m{:02}s", t / 60, t % 60)
                     : fmt::format("{}s", t);
}

void ProgressDisplay::step(const StepReport& r) {
    if (!tty_) return;  // plain output: one line per evaluation only
    const int width = 24;
    const int filled = r.steps ? width * r.step / r.steps : width;
    const double eta = r.tokens_per_s > 0 && r.step > 0 ? r.elapsed_s / r.step * (r.steps - r.step) : 0;
    fmt::print("\r{}step {:>5}/{} [{}{}] loss {:.4f} lr {:.2e} {:>7.0f} tok/s ETA {:<7}", label_,
               r.step, r.steps, std::string(static_cast<size_t>(filled), '='),
               std::string(static_cast<size_t>(width - filled), ' '), r.loss, r.lr, r.tokens_per_s,
               duration(eta));
    std::fflush(stdout);
    bar_shown_ = true;
}

void ProgressDisplay::eval(const EvalReport& r) {
    if (bar_shown_) fmt::print("\r\033[K");
    fmt::print("{}step {:>5}  train {:.4f}  val {:.4f}  lr {:.2e}  grad norm {:.3f}  {:.0f} tok/s  {}\n",
               label_, r.step, r.train_loss, r.val_loss, r.lr, r.grad_norm, r.tokens_per_s,
               duration(r.elapsed_s));
    std::fflush(stdout);
    bar_shown_ = false;
}

void ProgressDisplay::finish() {
    if (bar_shown_) fmt::print("\n");
    bar_shown_ = false;
}

}  // namespace glulab
