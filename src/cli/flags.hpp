// flags.hpp — command-line flags shared by several commands (train, compare, bench, params).
//
// Lesson 12 · training
#pragma once

#include "glulab/trainer.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
class Validator;
}

namespace glulab {

// Checks for numeric flags that say what is wrong in a sentence ("must be > 0, got 0").
// CLI11's PositiveNumber and NonNegativeNumber print their upper bound, the largest double,
// with all of its 309 digits.
const CLI::Validator& positive();
const CLI::Validator& non_negative();
// An integer flag in [1, most]: "must be between 1 and 256, got 1000000".
CLI::Validator at_most(long long most);

// --layers --d-model --heads --ctx --d-ff --multiple-of --dropout --norm (not --ffn: each command
// takes one kind or a list of kinds).
void add_model_flags(CLI::App& cmd, ModelConfig& model);
// --data --batch --steps --lr --min-lr --warmup --weight-decay --clip --seed --eval-every
// --eval-batches --threads, plus the model flags.
void add_train_flags(CLI::App& cmd, TrainConfig& cfg);
// What add_train_flags leaves to the run when a flag is not given: the warmup follows --steps
// (optim.hpp → default_warmup). Call it once the command line is parsed.
void apply_train_defaults(const CLI::App& cmd, TrainConfig& cfg);
// The names of the train flags given explicitly on this command line, e.g. {"--layers",
// "--lr"} (for --resume, which takes them from the run's config.json instead).
std::vector<std::string> given_config_flags(const CLI::App& cmd);

}  // namespace glulab
