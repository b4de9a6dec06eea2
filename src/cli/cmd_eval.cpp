// cmd_eval.cpp — `glulab eval`: a checkpoint's loss on a text, in nats and bits per character.
//
// Lesson 12 · training
#include "commands.hpp"
#include "flags.hpp"
#include "progress.hpp"

#include "glulab/checkpoint.hpp"
#include "glulab/data.hpp"
#include "glulab/inference.hpp"
#include "glulab/json_io.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <memory>

namespace glulab {

namespace {
struct EvalArgs {
    std::string ckpt, text;
    bool json = false;
};
}  // namespace

void add_eval_command(CLI::App& app) {
    auto a = std::make_shared<EvalArgs>();
    Command* cmd = add_command(
        app, "eval", "Mean cross-entropy of a checkpoint on a text (consecutive windows of T+1 characters)");
    cmd->add_option("--ckpt", a->ckpt, "model.safetensors of a run")->required();
    cmd->add_option("--text", a->text, "UTF-8 text to evaluate on")->required();
    cmd->add_flag("--json", a->json, "print one JSON object (loss, bits_per_char, windows, tokens)");
    cmd->callback([a] {
        LoadedModel m = load_model(a->ckpt);
        // Progress on stdout, except with --json, whose stdout is the one object.
        ProgressDisplay progress("eval: ");
        const auto t0 = std::chrono::steady_clock::now();
        auto on_progress = [&](int64_t done, int64_t total) {
            progress.count("windows", done, total,
                           std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        };
        const std::string text = read_text_file(a->text);  // a regular file of at most 1 GiB
        const int64_t characters = static_cast<int64_t>(decode_utf8(text, a->text).size());
        const int T = m.model->config().ctx;
        GLULAB_CHECK(characters > T, "give a longer text, or a model with a shorter context",
                     "--text {} has {} characters: fewer than one window of T + 1 = {}", a->text, characters, T + 1);
        TextEval r = evaluate_text(*m.model, m.vocab, text,
                                   a->json ? std::function<void(int64_t, int64_t)>{} : on_progress);
        progress.finish();
        // As sample does: a loss that is not a number comes from weights that are not numbers.
        GLULAB_CHECK(std::isfinite(r.loss), "the checkpoint's weights may have diverged (NaN or inf)",
                     "{}: the loss on {} is {}", a->ckpt, a->text, r.loss);
        if (a->json) {
            fmt::print("{}\n", json_object({{"loss", r.loss}, {"bits_per_char", r.bits_per_char},
                                             {"windows", r.windows}, {"tokens", r.tokens}}));
        } else {
            fmt::print("loss {:.4f} nats  {:.4f} bits/char  ({} windows, {} tokens)\n", r.loss,
                       r.bits_per_char, r.windows, r.tokens);
        }
    });
}

}  // namespace glulab
