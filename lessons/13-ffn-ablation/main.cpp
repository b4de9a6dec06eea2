// Lesson 13 · the FFN ablation — relu against swiglu, matched in parameters, paired by seed.
//
// The experiment glulab is built for, shrunk until it runs in a second: a tiny transformer
// (L=2, C=32, T=16) is trained for 100 steps on a short text written below, once per FFN kind
// and seed, with the real trainer (trainer.hpp → train_run). Then:
//
// 1. the table: kind, hidden width H, FFN parameters, final validation loss per seed, mean;
// 2. the paired differences: swiglu - relu with the same seed (same weights stream, same batches);
// 3. the gate telemetry of the swiglu runs, read back from their gates.csv: the fraction of
//    act(gate) near zero, per evaluation and layer, next to the same number for a fresh model;
// 4. the histogram of act(gate) at the end of one run.
//
// `build/glulab compare --ffn relu,gelu,swiglu --seeds 3 --steps 2000` is the full-size version.
#include "glulab/experiment/gates.hpp"
#include "glulab/train/trainer.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace glulab;
namespace fs = std::filesystem;

namespace {

// The training text: a few lines written for this lesson, repeated with small changes so that
// there is something to learn in 100 steps. 90% is the train split, the last 10% validation.
std::string lesson_text() {
    const char* lines[] = {
        "the gate opens when the watchman nods, and the cart rolls in with bread and salt.\n",
        "the gate stays shut when the night is loud, and the cart waits by the old stone wall.\n",
        "a unit that is closed passes nothing; a unit that is open passes what the other side sends.\n",
        "the watchman counts the carts at dawn and writes the number on the wall in chalk.\n",
    };
    std::string text;
    for (int round = 0; round < 6; round++)
        for (const char* line : lines) text += line;
    return text;
}

// The run directories live in a fresh temporary folder, removed at the end.
fs::path scratch_dir() {
    fs::path dir = fs::temp_directory_path() / fmt::format("glulab-lesson13-{}", getpid());
    fs::create_directories(dir);
    return dir;
}

struct Run {
    FfnKind kind;
    uint64_t seed;
    TrainSummary summary;
    fs::path dir;
};

Run train_one(const fs::path& text_file, const fs::path& root, FfnKind kind, uint64_t seed) {
    TrainConfig cfg;
    cfg.data = text_file.string();
    cfg.model = ModelConfig{.ctx = 16, .layers = 2, .d_model = 32, .heads = 2, .ffn = kind};
    cfg.optim = OptimConfig{.lr = 1e-2f, .min_lr = 1e-3f, .warmup = 10, .steps = 100};
    cfg.batch = 8;
    cfg.eval_every = 25;
    cfg.eval_batches = 4;
    cfg.seed = seed;
    cfg.threads = 1;  // a model this small is fastest on one thread (lesson 14 says why)
    const fs::path dir = root / fmt::format("{}-s{}", ffn_kind_name(kind), seed);
    return {kind, seed,
            train_run(cfg, dir.string(), /*resume=*/false, /*force=*/true, with_gate_telemetry(dir.string())), dir};
}

// The gates before any training: a fresh swiglu model (seed 1337), one forward without
// recording on the first 8 x 16 characters, observed by GateStats as the trainer does.
std::vector<GateRow> gates_at_init(const std::string& text) {
    const Vocab vocab = Vocab::from_text(text);
    const std::vector<int> ids = vocab.encode(text);
    Transformer model(ModelConfig{.vocab_size = vocab.size(), .ctx = 16, .layers = 2,
                                  .d_model = 32, .heads = 2, .ffn = FfnKind::swiglu});
    model.init(1337);
    Tape tape;
    NoGrad off(tape);
    model.forward(tape, ids.data(), 8, 16);
    GateStats stats(2);
    stats.observe(model);  // reads up_gate_out of each layer before the tape is reset
    return stats.rows(0);  // the rows gates.csv would hold (run_dir.hpp → GateRow)
}

}  // namespace

int main() {
    const fs::path root = scratch_dir();
    const fs::path text_file = root / "text.txt";
    std::ofstream(text_file) << lesson_text();

    const FfnKind kinds[] = {FfnKind::relu, FfnKind::swiglu};
    const uint64_t seeds[] = {1337, 1338};
    std::vector<Run> runs;
    for (uint64_t seed : seeds)  // seed by seed, as glulab compare does
        for (FfnKind kind : kinds) runs.push_back(train_one(text_file, root, kind, seed));
    auto run_of = [&](FfnKind kind, uint64_t seed) -> const Run& {
        for (const Run& r : runs)
            if (r.kind == kind && r.seed == seed) return r;
        return runs.front();
    };

    fmt::print("{} characters, L=2 C=32 T=16, 100 steps, batch 8, seeds 1337 and 1338\n\n",
               lesson_text().size());
    fmt::print("{:<8} {:>5} {:>10}   {:>10} {:>10} {:>8}\n", "kind", "H", "FFN params",
               "val s1337", "val s1338", "mean");
    for (FfnKind kind : kinds) {
        const Run& a = run_of(kind, seeds[0]);
        const Run& b = run_of(kind, seeds[1]);
        fmt::print("{:<8} {:>5} {:>10}   {:>10.3f} {:>10.3f} {:>8.3f}\n", ffn_kind_name(kind),
                   a.summary.d_ff, a.summary.ffn_params, a.summary.final_val_loss,
                   b.summary.final_val_loss,
                   (a.summary.final_val_loss + b.summary.final_val_loss) / 2);
    }

    fmt::print("\npaired differences, swiglu - relu (negative: swiglu is better)\n");
    for (uint64_t seed : seeds)
        fmt::print("  seed {}: {:+.3f}\n", seed,
                   run_of(FfnKind::swiglu, seed).summary.final_val_loss -
                       run_of(FfnKind::relu, seed).summary.final_val_loss);

    fmt::print("\nswiglu gates: fraction of silu(gate) with |value| < 0.1\n");
    fmt::print("  {:<10} {:<6} {:>8} {:>8}\n", "seed", "step", "layer 0", "layer 1");
    const std::vector<GateRow> init = gates_at_init(lesson_text());
    fmt::print("  {:<10} {:<6} {:>8.3f} {:>8.3f}\n", "(init)", 0, init[0].near_zero, init[1].near_zero);
    std::vector<GateRow> last;
    for (uint64_t seed : seeds) {
        const std::vector<GateRow> rows = read_run_gates(run_of(FfnKind::swiglu, seed).dir.string());
        for (size_t i = 0; i + 1 < rows.size(); i += 2)  // one row per layer and evaluation
            fmt::print("  {:<10} {:<6} {:>8.3f} {:>8.3f}\n", seed, rows[i].step,
                       rows[i].near_zero, rows[i + 1].near_zero);
        if (seed == seeds[0]) last = rows;
    }

    // The histogram of the last evaluation, layer 0, seed 1337: silu(x) >= -0.28, so nothing
    // falls below -0.4; bins 3 to 10 cover [-0.4, 1.2).
    const GateRow& h = last[last.size() - 2];
    fmt::print("\nsilu(gate) histogram, seed {}, step {}, layer 0 (init in brackets)\n", seeds[0], h.step);
    for (int b = 3; b <= 10; b++) {
        const double lo = GateLayerStats::kLo + 0.2 * b;
        const double f = h.bins[static_cast<size_t>(b)];
        const std::string bar(static_cast<size_t>(std::lround(f * 50)), '#');
        fmt::print("  [{:+.1f}, {:+.1f})  {:.3f} ({:.3f}){}{}\n", lo, lo + 0.2, f,
                   init[0].bins[static_cast<size_t>(b)], bar.empty() ? "" : "  ", bar);
    }

    fs::remove_all(root);
    return 0;
}
