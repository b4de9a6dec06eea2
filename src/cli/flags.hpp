// flags.hpp — command-line flags shared by several commands (train, compare, bench, params),
// and the progress display of training.
//
// Lesson 12 · training
#pragma once

#include "glulab/trainer.hpp"

#include <string>

namespace CLI {
class App;
}

namespace glulab {

// --layers --d-model --heads --ctx --d-ff --multiple-of --dropout --norm (not --ffn: each command
// takes one kind or a list of kinds).
void add_model_flags(CLI::App& cmd, ModelConfig& model);
// --data --batch --steps --lr --min-lr --warmup --weight-decay --clip --seed --eval-every
// --eval-batches --threads, plus the model flags.
void add_train_flags(CLI::App& cmd, TrainConfig& cfg);
// The names of the train flags given explicitly on this command line (for --resume, which
// takes them from the run's config.json instead).
std::string given_config_flags(const CLI::App& cmd);

// Seconds as people read them: "42s", "3m07s", "1h05m".
std::string duration(double s);

// Progress of a run: a redrawn bar on a terminal, plain lines otherwise.
class ProgressDisplay {
public:
    explicit ProgressDisplay(std::string label = "");
    void step(const StepReport& r);
    void eval(const EvalReport& r);
    void finish();
    static bool on_terminal();

private:
    std::string label_;
    bool tty_;
    bool bar_shown_ = false;
};

}  // namespace glulab
