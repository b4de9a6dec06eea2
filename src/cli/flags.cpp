// flags.cpp — shared flags (see flags.hpp).
//
// Lesson 12 · training
#include "flags.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace glulab {

namespace {

// `text` as a number, or nullopt-like false.
bool parse_number(const std::string& text, double* out) {
    char* end = nullptr;
    *out = std::strtod(text.c_str(), &end);
    return !text.empty() && end == text.c_str() + text.size();
}

CLI::Validator number_check(const char* what, bool (*ok)(double)) {
    return CLI::Validator(
        [what, ok](std::string& text) -> std::string {
            double v = 0;
            if (!parse_number(text, &v)) return "'" + text + "' is not a number";
            return ok(v) ? "" : fmt::format("must be {}, got {}", what, text);
        },
        what);
}

}  // namespace

const CLI::Validator& positive() {
    static const CLI::Validator v = number_check("> 0", [](double x) { return x > 0; });
    return v;
}

const CLI::Validator& non_negative() {
    static const CLI::Validator v = number_check(">= 0", [](double x) { return x >= 0; });
    return v;
}

CLI::Validator at_most(long long most) {
    const std::string what = fmt::format("between 1 and {}", most);
    return CLI::Validator(
        [what, most](std::string& text) -> std::string {
            double v = 0;
            if (!parse_number(text, &v)) return "'" + text + "' is not a number";
            return v >= 1 && v <= static_cast<double>(most) ? "" : fmt::format("must be {}, got {}", what, text);
        },
        what);
}

void add_model_flags(CLI::App& cmd, ModelConfig& m) {
    using L = ModelLimits;
    cmd.add_option("--layers", m.layers, "L, transformer blocks")->check(at_most(L::layers))->capture_default_str();
    cmd.add_option("--d-model", m.d_model, "C, channels")->check(at_most(L::d_model))->capture_default_str();
    cmd.add_option("--heads", m.heads, "NH, attention heads (must divide C)")->check(at_most(L::heads))->capture_default_str();
    cmd.add_option("--ctx", m.ctx, "T, context length")->check(at_most(L::ctx))->capture_default_str();
    cmd.add_option("--d-ff", m.d_ff, "H, FFN hidden width (0: 4C, or 2/3 of that for gated kinds)")
        ->check(non_negative())->capture_default_str();
    cmd.add_option("--multiple-of", m.multiple_of, "round the gated H up to a multiple of this")
        ->check(positive())->capture_default_str();
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
    cmd.add_option("--batch", c.batch, "B, sequences per step")->check(at_most(TrainConfig::kMaxBatch))->capture_default_str();
    cmd.add_option("--steps", c.optim.steps, "training steps")->check(positive())->capture_default_str();
    cmd.add_option("--lr", c.optim.lr, "peak learning rate")->check(positive())->capture_default_str();
    cmd.add_option("--min-lr", c.optim.min_lr, "learning rate at the last step")
        ->check(non_negative())->capture_default_str();
    cmd.add_option("--warmup", c.optim.warmup, "steps of linear warmup (default: 100, or a tenth of a shorter run)")
        ->check(non_negative());
    cmd.add_option("--weight-decay", c.optim.weight_decay, "AdamW decoupled weight decay (matrices only)")
        ->check(non_negative())->capture_default_str();
    cmd.add_option("--clip", c.optim.clip, "global gradient-norm clip (0: off)")
        ->check(non_negative())->capture_default_str();
    cmd.add_option("--seed", c.seed, "seed for weights, batches and dropout")->capture_default_str();
    cmd.add_option("--eval-every", c.eval_every, "steps between evaluations and checkpoints")
        ->check(positive())->capture_default_str();
    cmd.add_option("--eval-batches", c.eval_batches, "batches per train/val loss estimate")
        ->check(positive())->capture_default_str();
    cmd.add_option("--threads", c.threads, "OpenMP threads (0: all cores, or 1 if that measures faster now)")->check(non_negative())
        ->capture_default_str();
}

void apply_train_defaults(const CLI::App& cmd, TrainConfig& c) {
    if (cmd.count("--warmup") == 0) c.optim.warmup = default_warmup(c.optim.steps);
}

std::vector<std::string> given_config_flags(const CLI::App& cmd) {
    std::vector<std::string> given;
    for (const CLI::Option* opt : cmd.get_options()) {
        const std::string name = opt->get_name();
        if (opt->count() > 0 && name != "--threads" && name != "--resume" && name != "--help" &&
            name != "--out" && name != "--force" && name != "--shard-optimizer")
            given.push_back(name);
    }
    return given;
}

}  // namespace glulab
