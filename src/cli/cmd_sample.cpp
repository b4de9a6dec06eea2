// cmd_sample.cpp — `glulab sample`: stream text from a checkpoint, or several texts in one pass.
//
// Lesson 12 · training
#include "commands.hpp"
#include "flags.hpp"

#include "glulab/nn/quantize.hpp"
#include "glulab/train/checkpoint.hpp"
#include "glulab/train/inference.hpp"
#include "glulab/platform/threads.hpp"

#include <fmt/core.h>
#include <omp.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

namespace glulab {

namespace {
struct SampleArgs {
    std::string ckpt;
    std::string quantize;  // --quantize: sample from the model with int8 weights (and inputs), simulated
    std::string prompt;
    SampleOptions opt;
    int samples = 1;  // --num-samples: texts drawn in one pass, text i with seed + i
    int threads = 0;  // 0: measured (platform/threads.hpp), as train and bench do
};
}  // namespace

void add_sample_command(CLI::App& app) {
    auto a = std::make_shared<SampleArgs>();
    Command* cmd = add_command(app, "sample", "Generate text from a checkpoint, one character at a time");
    cmd->add_option("--ckpt", a->ckpt, "model.safetensors of a run")->required();
    cmd->add_option("--prompt", a->prompt, "text to continue (default: a newline)");
    cmd->add_option("--quantize", a->quantize,
                    "sample with int8 weights (and inputs), simulated: " + quant_scheme_names());
    cmd->add_option("--tokens", a->opt.tokens, "characters to generate")->check(non_negative())
        ->capture_default_str();
    cmd->add_option("--temperature", a->opt.temperature, "divide the logits by this (> 0)")
        ->check(positive())->capture_default_str();
    cmd->add_option("--top-k", a->opt.top_k, "sample among the k likeliest characters (0: all)")
        ->check(non_negative())->capture_default_str();
    cmd->add_option("--seed", a->opt.seed, "same seed, same text")->check(non_negative())->capture_default_str();
    // Each text keeps its own key-value cache (L T 2C floats: 256 KiB in the default model).
    cmd->add_option("--num-samples", a->samples,
                    "texts generated in one pass, printed one after another; text i (from 0) uses seed + i: "
                    "exactly the text of --seed <seed + i> alone")
        ->check(in_range(1, 1024))->capture_default_str();
    cmd->add_flag("--no-cache{false}", a->opt.cache,
                  "recompute the whole context for every character (no key-value cache; same text, slower)");
    // A second thread helps the cached sampler little (one row per character) and hurts it
    // when a core is busy (every split waits for a descheduled thread: docs/performance.md →
    // "Sampling"), so 0 measures a few characters of this very sampler at 1 and at 2 threads.
    cmd->add_option("--threads", a->threads, "OpenMP threads (0: all cores, or 1 if that measures faster now)")
        ->check(in_range(0, kMaxThreads))->capture_default_str();
    cmd->callback([a] {
        decode_utf8(a->prompt, "--prompt");  // an error names the flag, not just a byte
        const std::optional<QuantScheme> scheme =
            a->quantize.empty() ? std::nullopt : std::optional(parse_quant_scheme(a->quantize));
        LoadedModel m = load_model(a->ckpt);
        if (scheme) quantize_model(*m.model, *scheme);  // nn/quantize.hpp
        omp_set_num_threads(choose_sample_threads(a->threads, *m.model, m.vocab, a->prompt, a->opt));
        if (a->samples > 1) {  // the texts grow together: each is printed when all are done
            const std::vector<std::string> texts = generate_texts(*m.model, m.vocab, a->prompt, a->opt, a->samples);
            for (int i = 0; i < a->samples; i++)
                fmt::print("--- sample {} of {}, seed {} ---\n{}{}\n", i + 1, a->samples,
                           sample_seed(a->opt.seed, i), a->prompt, texts[static_cast<size_t>(i)]);
            return;
        }
        fmt::print("{}", a->prompt);
        // On a terminal every character shows as it comes; into a pipe or a file, stdio's
        // buffer collects them (a write per character would cost more than the character).
        const bool terminal = isatty(fileno(stdout)) != 0;
        generate(*m.model, m.vocab, a->prompt, a->opt, [terminal](const std::string& ch) {
            fmt::print("{}", ch);
            if (terminal) std::fflush(stdout);
        });
        fmt::print("\n");
    });
}

}  // namespace glulab
