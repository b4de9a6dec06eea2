// progress.cpp — the progress display of train and compare (see progress.hpp).
//
// Lesson 12 · training
#include "progress.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>

namespace glulab {

ProgressDisplay::ProgressDisplay(std::string label) : label_(std::move(label)), tty_(on_terminal()) {}

bool ProgressDisplay::on_terminal() { return isatty(fileno(stdout)) != 0; }

std::string duration(double s) {
    const int t = static_cast<int>(s + 0.5);
    return t >= 3600 ? fmt::format("{}h{:02}m", t / 3600, t / 60 % 60)
           : t >= 60 ? fmt::format("{}m{:02}s", t / 60, t % 60)
                     : fmt::format("{}s", t);
}

void ProgressDisplay::bar(const std::string& label, const StepReport& r, const std::string& tail) {
    if (!tty_) return;  // plain output: lines only
    const int width = 24;
    const int filled = r.steps ? width * r.step / r.steps : width;
    fmt::print("\r{}step {:>5}/{} [{}{}] loss {:.4f}{}", label, r.step, r.steps,
               std::string(static_cast<size_t>(filled), '='), std::string(static_cast<size_t>(width - filled), ' '),
               r.loss, tail);
    std::fflush(stdout);
    bar_shown_ = true;
}

void ProgressDisplay::step(const StepReport& r) {
    const double eta = r.tokens_per_s > 0 && r.step > 0 ? r.elapsed_s / r.step * (r.steps - r.step) : 0;
    bar(label_, r, fmt::format(" lr {:.2e} {:>7.0f} tok/s ETA {:<7}", r.lr, r.tokens_per_s, duration(eta)));
}

void ProgressDisplay::eval(const EvalReport& r) {
    line(fmt::format("{}step {:>5}  train {:.4f}  val {:.4f}  lr {:.2e}  grad norm {:.3f}  {:.0f} tok/s  {}", label_,
                     r.step, r.train_loss, r.val_loss, r.lr, r.grad_norm, r.tokens_per_s, duration(r.elapsed_s)));
}

void ProgressDisplay::clear_bar() {
    if (bar_shown_) fmt::print("\r\033[K");
    bar_shown_ = false;
}

void ProgressDisplay::line(const std::string& text) {
    clear_bar();
    fmt::print("{}\n", text);
    std::fflush(stdout);
}

void ProgressDisplay::finish() {
    if (bar_shown_) fmt::print("\n");
    bar_shown_ = false;
}

}  // namespace glulab
