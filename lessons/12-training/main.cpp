// Lesson 12 · training — a tiny model learns a tiny language in a second: train_run with
// evaluations and checkpoints, an interruption and a resume, then evaluation and sampling.
//
// The text comes from a small grammar ("the old fox finds a red ball at night.") drawn with a
// fixed seed and written to a temporary directory, so the lesson needs no data file. The
// validation split (the last 10%) is sentences the model never trains on, from the same grammar.
#include "glulab/platform/blas.hpp"
#include "glulab/train/checkpoint.hpp"
#include "glulab/experiment/gates.hpp"
#include "glulab/train/inference.hpp"
#include "glulab/train/trainer.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

using namespace glulab;
namespace fs = std::filesystem;

namespace {

// n sentences of the grammar: subject verb object [ending], four sentences to a line.
std::string grammar_text(int n, uint64_t seed) {
    const std::array<const char*, 6> subjects = {"the cat", "a dog", "the old fox", "my sister",
                                                 "a small bird", "the baker"};
    const std::array<const char*, 5> verbs = {"sees", "likes", "chases", "finds", "hears"};
    const std::array<const char*, 5> objects = {"the moon", "a red ball", "the river",
                                                "some bread", "the green door"};
    const std::array<const char*, 4> endings = {"", " today", " at night", " again"};
    Rng rng(seed);
    std::string text;
    for (int i = 0; i < n; i++) {
        text += fmt::format("{} {} {}{}.", subjects[rng.below(subjects.size())],
                            verbs[rng.below(verbs.size())], objects[rng.below(objects.size())],
                            endings[rng.below(endings.size())]);
        text += (i % 4 == 3) ? "\n" : " ";
    }
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    blas_startup(argc, argv, false);  // what the CLI does first: OpenBLAS on one thread

    // 1. The data: ~7,000 characters in a fresh temporary directory.
    const fs::path dir = fs::temp_directory_path() / fmt::format("glulab-lesson12-{}", getpid());
    fs::create_directories(dir);
    const std::string text = grammar_text(240, 1);
    std::ofstream(dir / "grammar.txt") << text;
    const Corpus corpus = load_corpus((dir / "grammar.txt").string());
    fmt::print("text: {} characters, V = {} (ln V = {:.2f}), train {} / val {}\n",
               corpus.data.size(), corpus.vocab.size(), std::log(double(corpus.vocab.size())),
               corpus.data.train().size(), corpus.data.val().size());

    // 2. The run: a 2-block model, 150 steps of AdamW, an evaluation every 50.
    TrainConfig cfg;
    cfg.data = (dir / "grammar.txt").string();
    cfg.model = ModelConfig{.ctx = 32, .layers = 2, .d_model = 32, .heads = 2, .ffn = FfnKind::swiglu};
    cfg.optim = OptimConfig{.lr = 1e-2f, .min_lr = 1e-3f, .warmup = 15, .steps = 150};
    cfg.batch = 32;
    cfg.eval_every = 50;
    cfg.eval_batches = 4;
    cfg.seed = 1337;
    cfg.threads = 1;  // a model this small: starting threads would cost more than they save
    fmt::print("lr schedule: step 0 {:.1e}, step 15 {:.1e} (peak), step 82 {:.2e}, step 149 {:.1e}"
               " (min_lr)\n",
               learning_rate(cfg.optim, 0), learning_rate(cfg.optim, 15),
               learning_rate(cfg.optim, 82), learning_rate(cfg.optim, 149));

    TrainCallbacks cb;
    cb.on_start = [](const Transformer& m) {
        fmt::print("model: {} parameters\n", m.param_table().counts.total);
    };
    cb.on_eval = [](const EvalReport& r) {
        fmt::print("step {:3}  train {:.2f}  val {:.2f}  lr {:.1e}  grad norm {:.1f}  "
                   "[{:.0f} tok/s, {:.2f} s]\n",
                   r.step, r.train_loss, r.val_loss, r.lr, r.grad_norm, r.tokens_per_s, r.elapsed_s);
    };
    fmt::print("\nrun A: 150 steps\n");
    // with_gate_telemetry adds gates.csv (lesson 13), the experiment layer's view of the run.
    const TrainSummary a = train_run(cfg, (dir / "a").string(), false, false, with_gate_telemetry((dir / "a").string(), cb));

    // 3. Run B: the same, but "Ctrl-C" at step 120 (we raise SIGINT ourselves), then --resume.
    fmt::print("\nrun B: interrupted at step 120, then resumed\n");
    TrainCallbacks quiet = cb;
    quiet.on_start = nullptr;
    TrainCallbacks ctrl_c = quiet;
    ctrl_c.on_step = [](const StepReport& r) {
        if (r.step == 120) std::raise(SIGINT);
    };
    const TrainSummary b1 = train_run(cfg, (dir / "b").string(), false, false, ctrl_c);
    fmt::print("stopped after step {}{}, checkpoint saved\n", b1.steps_done,
               b1.interrupted ? " (interrupted)" : "");
    const TrainSummary b2 = train_run(cfg, (dir / "b").string(), /*resume=*/true, false, quiet);
    fmt::print("resumed to step {}: final val loss {} run A's ({:.4f} vs {:.4f})\n", b2.steps_done,
               b2.final_val_loss == a.final_val_loss ? "equals" : "DIFFERS FROM",
               b2.final_val_loss, a.final_val_loss);

    fmt::print("\nrun directory:");
    for (const char* f : {"config.json", "metrics.csv", "gates.csv", "model.safetensors",
                          "optimizer.safetensors", "summary.json"})
        fmt::print(" {}", fs::exists(dir / "a" / f) ? f : "(missing)");
    fmt::print("\n");

    // 4. Load the checkpoint back, evaluate it on fresh sentences, and sample from it.
    LoadedModel m = load_model((dir / "a" / "model.safetensors").string());
    const TextEval e = evaluate_text(*m.model, m.vocab, grammar_text(40, 99));
    fmt::print("fresh text: {:.2f} nats = {:.2f} bits per character over {} windows of {}\n",
               e.loss, e.bits_per_char, e.windows, m.model->config().ctx);
    const std::string sample =
        generate(*m.model, m.vocab, "the ", {.tokens = 100, .temperature = 0.8f, .seed = 7});
    fmt::print("sample (temperature 0.8, seed 7):\nthe {}\n", sample);

    fs::remove_all(dir);
    return 0;
}
