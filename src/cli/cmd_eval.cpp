// cmd_eval.cpp — `glulab eval`: a checkpoint's loss on a text, in nats and bits per character.
//
// Lesson 12 · training
#include "commands.hpp"
#include "flags.hpp"
#include "progress.hpp"

#include "glulab/nn/quantize.hpp"
#include "glulab/train/checkpoint.hpp"
#include "glulab/train/data.hpp"
#include "glulab/train/inference.hpp"
#include "glulab/train/json_io.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <optional>

namespace glulab {

namespace {
struct EvalArgs {
    std::string ckpt, text;
    bool json = false;
    std::string quantize;       // --quantize: a scheme of nn/quantize.hpp, e.g. "w8a8-token"
    std::string quantize_only;  // --quantize-only: one matrix, e.g. "blocks.2.ffn.down"
    bool smooth = false;        // --smooth: also int8 after smooth_ffn_hidden (nn/quantize.hpp)
};
}  // namespace

void add_eval_command(CLI::App& app) {
    auto a = std::make_shared<EvalArgs>();
    Command* cmd = add_command(
        app, "eval", "Mean cross-entropy of a checkpoint on a text (consecutive windows of T+1 characters)");
    cmd->add_option("--ckpt", a->ckpt, "model.safetensors of a run")->required();
    cmd->add_option("--text", a->text, "UTF-8 text to evaluate on")->required();
    cmd->add_flag("--json", a->json, "print one JSON object (loss, bits_per_char, windows, tokens)");
    cmd->add_option("--quantize", a->quantize,
                    "also evaluate with int8 weights (and inputs), simulated: " + quant_scheme_names());
    cmd->add_option("--quantize-only", a->quantize_only,
                    "with --quantize: quantize this one weight matrix only, e.g. blocks.2.ffn.down");
    cmd->add_flag("--smooth", a->smooth,
                  "with --quantize: also int8 after moving the FFN hidden vector's size into ffn.down "
                  "(calibrated on the text's first 64 windows)");
    cmd->callback([a] {
        GLULAB_CHECK(a->quantize_only.empty() || !a->quantize.empty(), "e.g. --quantize w8 --quantize-only lm_head",
                     "--quantize-only needs --quantize");
        GLULAB_CHECK(!a->smooth || !a->quantize.empty(), "e.g. --quantize w8a8 --smooth", "--smooth needs --quantize");
        const std::optional<QuantScheme> scheme =
            a->quantize.empty() ? std::nullopt : std::optional(parse_quant_scheme(a->quantize));
        LoadedModel m = load_model(a->ckpt);
        if (scheme && !a->quantize_only.empty()) quantize_model(*m.model, QuantScheme{}, a->quantize_only);  // checks the name
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
        auto run = [&](const char* label) {
            progress = ProgressDisplay(label);
            TextEval r = evaluate_text(*m.model, m.vocab, text,
                                       a->json ? std::function<void(int64_t, int64_t)>{} : on_progress);
            progress.finish();
            // As sample does: a loss that is not a number comes from weights that are not numbers.
            GLULAB_CHECK(std::isfinite(r.loss), "the checkpoint's weights may have diverged (NaN or inf)",
                         "{}: the loss on {} is {}", a->ckpt, a->text, r.loss);
            return r;
        };
        const TextEval r = run("eval: ");
        if (!scheme) {
            if (a->json) {
                fmt::print("{}\n", json_object({{"loss", r.loss}, {"bits_per_char", r.bits_per_char},
                                                 {"windows", r.windows}, {"tokens", r.tokens}}));
            } else {
                fmt::print("loss {:.4f} nats  {:.4f} bits/char  ({} windows, {} tokens)\n", r.loss,
                           r.bits_per_char, r.windows, r.tokens);
            }
            return;
        }
        const std::vector<std::string> done = quantize_model(*m.model, *scheme, a->quantize_only);
        const TextEval q = run("eval int8: ");
        // The mitigation: the float model again, smoothed, then the same scheme.
        std::optional<TextEval> smoothed;
        int smoothed_layers = 0;
        if (a->smooth) {
            LoadedModel fresh = load_model(a->ckpt);
            smoothed_layers = smooth_ffn_hidden(*fresh.model, fresh.vocab.encode(text), 64);
            quantize_model(*fresh.model, *scheme, a->quantize_only);
            m.model = std::move(fresh.model);
            smoothed = run("eval smoothed int8: ");
        }
        const std::string what = a->quantize_only.empty() ? fmt::format("all {} weight matrices", done.size())
                                                            : a->quantize_only;
        if (a->json) {
            JsonFields fields = {{"loss", r.loss}, {"bits_per_char", r.bits_per_char}, {"windows", r.windows},
                                 {"tokens", r.tokens}, {"quantize", a->quantize},
                                 {"quantized_matrices", int64_t(done.size())}, {"loss_quantized", q.loss},
                                 {"loss_change", q.loss - r.loss}};
            if (smoothed) {
                fields.push_back({"smoothed_layers", int64_t{smoothed_layers}});
                fields.push_back({"loss_smoothed", smoothed->loss});
                fields.push_back({"loss_change_smoothed", smoothed->loss - r.loss});
            }
            fmt::print("{}\n", json_object(fields));
            return;
        }
        fmt::print("loss {:.4f} nats  {:.4f} bits/char  ({} windows, {} tokens)\n", r.loss, r.bits_per_char,
                   r.windows, r.tokens);
        fmt::print("int8 {} ({}): loss {:.4f} nats, {:+.4f} against float32\n", a->quantize, what, q.loss,
                   q.loss - r.loss);
        if (smoothed && smoothed_layers == 0)
            fmt::print("--smooth: not for {} (its activation is not homogeneous, so the scaling would change the "
                       "model)\n", ffn_kind_name(m.model->config().ffn));
        else if (smoothed)
            fmt::print("int8 {} after smoothing the FFN hidden vector ({} layers): loss {:.4f} nats, {:+.4f} against "
                       "float32\n", a->quantize, smoothed_layers, smoothed->loss, smoothed->loss - r.loss);
    });
}

}  // namespace glulab
