// progress.hpp — the progress display of `glulab train`, `glulab compare` and `glulab eval`.
//
// On a terminal, a bar redrawn after every step (step, loss, the caller's tail: lr, tokens/s,
// ETA); every evaluation and every message is a line of its own, which clears the bar first.
// Not on a terminal (a log file, a test), only the lines.
//
// Lesson 12 · training
#pragma once

#include "glulab/train/trainer.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace glulab {

// Seconds as people read them: "42s", "3m07s", "1h05m".
std::string duration(double s);

class ProgressDisplay {
public:
    explicit ProgressDisplay(std::string label = "");
    // The bar of one run: "step 120/2000 [==    ] loss 2.1234 lr 1.00e-03 12345 tok/s ETA 1m05s".
    void step(const StepReport& r);
    // The bar with `label` before it and `tail` after the loss (compare: the comparison's ETA).
    void bar(const std::string& label, const StepReport& r, const std::string& tail);
    // The line of one evaluation: step, train and val loss, lr, grad norm, tokens/s, time.
    void eval(const EvalReport& r);
    // Progress of other long work counted in units, e.g. ("windows", 1200, 9000, 41.5) for eval:
    // the bar on a terminal, a plain line at every tenth of the total otherwise.
    void count(std::string_view units, int64_t done, int64_t total, double elapsed_s);
    // Any other line, printed on terminals and elsewhere alike.
    void line(const std::string& text);
    void finish();
    static bool on_terminal();

private:
    void clear_bar();
    std::string label_;
    bool tty_;
    bool bar_shown_ = false;
    int64_t tenths_shown_ = 0;  // count(): tenths of the total already printed as plain lines
};

}  // namespace glulab
