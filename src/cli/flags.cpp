// flags.cpp — shared flags (see flags.hpp).
//
// Lesson 12 · training
#include "flags.hpp"

#include "glulab/platform/threads.hpp"

#include <fmt/core.h>

#include <algorithm>

namespace glulab {

void add_model_flags(Command& cmd, ModelConfig& m) {
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
        ->check(in_range(0.0, 0.99))->capture_default_str();
    cmd.add_option_function("--norm", [&m](const std::string& name) { m.norm = parse_norm_kind(name); },
                                         "normalisation: " + norm_kind_names())
        ->default_str(std::string(norm_kind_name(m.norm)));
}

void add_train_flags(Command& cmd, TrainConfig& c, SweepFlags* sweep) {
    cmd.add_option("--data", c.data, "training text, UTF-8 (`make data` fetches tiny-shakespeare)")
        ->capture_default_str();
    add_model_flags(cmd, c.model);
    cmd.add_option("--batch", c.batch, "B, sequences per step")->check(at_most(TrainConfig::kMaxBatch))->capture_default_str();
    cmd.add_option("--steps", c.optim.steps, "training steps")->check(positive())->capture_default_str();
    if (sweep)
        cmd.add_option("--lr", sweep->lr, "peak learning rate, or a comma-separated list of rates to sweep")
            ->default_str(fmt::format("{:g}", c.optim.lr));
    else
        cmd.add_option("--lr", c.optim.lr, "peak learning rate")->check(positive())->capture_default_str();
    cmd.add_option("--min-lr", c.optim.min_lr, "learning rate at the last step")
        ->check(non_negative())->capture_default_str();
    const std::string warmup_help = "steps of linear warmup (default: 100, or a tenth of a shorter run)";
    if (sweep)
        cmd.add_option("--warmup", sweep->warmup, warmup_help + ", or a comma-separated list to sweep");
    else
        cmd.add_option("--warmup", c.optim.warmup, warmup_help)->check(non_negative());
    cmd.add_option("--weight-decay", c.optim.weight_decay, "AdamW decoupled weight decay (matrices only)")
        ->check(non_negative())->capture_default_str();
    cmd.add_option("--clip", c.optim.clip, "global gradient-norm clip (0: off)")
        ->check(non_negative())->capture_default_str();
    cmd.add_option("--seed", c.seed, "seed for weights, batches and dropout")->check(non_negative())->capture_default_str();
    cmd.add_option("--test-split", c.test_split,
                   "share of the text held out as a test split, read once at the end (0: none; e.g. 0.05)")
        ->check(in_range(0.0, TrainConfig::kMaxTestSplit))->capture_default_str();
    cmd.add_option("--eval-every", c.eval_every, "steps between evaluations and checkpoints")
        ->check(positive())->capture_default_str();
    cmd.add_option("--eval-batches", c.eval_batches, "batches per train/val loss estimate")
        ->check(positive())->capture_default_str();
    cmd.add_option("--threads", c.threads, "OpenMP threads (0: all cores, or 1 if that measures faster now)")
        ->check(in_range(0, kMaxThreads))->capture_default_str();
}

void apply_train_defaults(const Command& cmd, TrainConfig& c) {
    if (cmd.count("--warmup") == 0) c.optim.warmup = default_warmup(c.optim.steps);
}

std::vector<std::string> given_config_flags(const Command& cmd) {
    std::vector<std::string> given;
    for (const std::string& name : cmd.given_options())
        if (name != "--help" && std::find(kInvocationFlags.begin(), kInvocationFlags.end(), name) == kInvocationFlags.end())
            given.push_back(name);
    return given;
}

}  // namespace glulab
