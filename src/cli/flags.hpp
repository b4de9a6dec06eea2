// flags.hpp — command-line flags shared by several commands (train, compare, bench, params).
//
// Lesson 12 · training
#pragma once

#include "command.hpp"

#include "glulab/train/trainer.hpp"

#include <array>
#include <string>
#include <vector>

namespace glulab {

// --layers --d-model --heads --ctx --d-ff --multiple-of --dropout --norm (not --ffn: each command
// takes one kind or a list of kinds).
void add_model_flags(Command& cmd, ModelConfig& model);
// --lr and --warmup as sweep axes (glulab compare): each one value or a comma-separated list,
// kept as text here and parsed by the command (experiment/compare.hpp → parse_lr_list).
struct SweepFlags {
    std::string lr;      // e.g. "0.0003,0.001"; empty: not given
    std::string warmup;  // e.g. "0,100"; empty: not given
};
// --data --batch --steps --lr --min-lr --warmup --weight-decay --clip --seed --test-split
// --eval-every --eval-batches --threads, plus the model flags. With `sweep`, --lr and --warmup
// take lists into it instead of one value into cfg.
void add_train_flags(Command& cmd, TrainConfig& cfg, SweepFlags* sweep = nullptr);
// What add_train_flags leaves to the run when a flag is not given: the warmup follows --steps
// (optim.hpp → default_warmup). Call it once the command line is parsed.
void apply_train_defaults(const Command& cmd, TrainConfig& cfg);
// The flags that belong to one invocation, not to the run (config.json keeps none of them): a
// resume may give these, and only these (trainer.hpp → resume_config takes their settings).
inline constexpr std::array<const char*, 6> kInvocationFlags = {"--threads", "--stop-after", "--shard-optimizer",
                                                                "--resume", "--out", "--force"};
// The names of the flags given explicitly on this command line that are not invocation flags
// (nor --help), e.g. {"--layers", "--lr"}: what a resume, which takes them from the run's
// config.json, refuses.
std::vector<std::string> given_config_flags(const Command& cmd);

}  // namespace glulab
