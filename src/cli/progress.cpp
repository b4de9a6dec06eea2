// progress.cpp — the progress display of train, compare and eval (see progress.hpp).
//
// Lesson 12 · training
#include "progress.hpp"

#include <fmt/core.h>

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

namespace {
// "[======      ]", done of total.
std::string progress_bar(int64_t done, int64_t total) {
    const int64_t width = 24;
    const int64_t filled = total > 0 ? width * done / total : width;
    return "[" + std::string(static_cast<size_t>(filled), '=') + std::string(static_cast<size_t>(width - filled), ' ') +
           "]";
}
}  // namespace

void ProgressDisplay::bar(const std::string& label, const StepReport& r, const std::string& tail) {
    if (!tty_) return;  // plain output: lines only
    fmt::print("\r{}step {:>5}/{} {} loss {:.4f}{}", label, r.step, r.steps, progress_bar(r.step, r.steps), r.loss,
               tail);
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

void ProgressDisplay::count(std::string_view units, int64_t done, int64_t total, double elapsed_s) {
    const double eta = done > 0 ? elapsed_s / static_cast<double>(done) * static_cast<double>(total - done) : 0;
    if (tty_) {
        fmt::print("\r{}{} {:>8}/{} {} ETA {:<7}", label_, units, done, total, progress_bar(done, total),
                   duration(eta));
        std::fflush(stdout);
        bar_shown_ = true;
        return;
    }
    const int64_t tenths = total > 0 ? 10 * done / total : 10;  // a line each time it grows
    if (tenths <= tenths_shown_) return;
    tenths_shown_ = tenths;
    line(fmt::format("{}{} {}/{} ({:.0f}%)  {}  ETA {}", label_, units, done, total,
                     100.0 * static_cast<double>(done) / static_cast<double>(total), duration(elapsed_s),
                     duration(eta)));
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
