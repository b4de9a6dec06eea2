// Lesson 16 · outliers and quantization — what int8 costs, and why outliers make it cost more.
//
// 1. One block of values quantized by hand: its absmax scale, its integers, its errors.
// 2. The rounding error measured against the formulas: at most s/2, mean square s^2/12.
// 3. One outlier 50 times the rest: the step grows 50 times, and so does every other error.
// 4. One scale per row: an outlier in one row no longer costs the other rows.
// 5. Two tiny models trained here, relu and swiglu: the tails of their FFN's hidden vector
//    (activations.csv) and their loss in float32 and under each int8 scheme (nn/quantize.hpp).
#include "glulab/experiment/stability.hpp"
#include "glulab/nn/quantize.hpp"
#include "glulab/ops/ops.hpp"
#include "glulab/platform/rng.hpp"
#include "glulab/train/checkpoint.hpp"
#include "glulab/train/inference.hpp"
#include "glulab/train/trainer.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

using namespace glulab;
namespace fs = std::filesystem;

namespace {

// The root mean square of out - x over [from, to).
double rms_error(const std::vector<float>& x, const std::vector<float>& out, size_t from, size_t to) {
    double ss = 0;
    for (size_t i = from; i < to; i++) ss += double(out[i] - x[i]) * (out[i] - x[i]);
    return std::sqrt(ss / static_cast<double>(to - from));
}

// x (rows, cols) through int8 and back, one scale for all or one per row.
std::vector<float> int8(const std::vector<float>& x, int rows, int cols, bool per_row) {
    std::vector<float> scales(static_cast<size_t>(rows)), out(x.size());
    quant_scales(scales.data(), x.data(), rows, cols, per_row);
    fake_quant_forward(out.data(), x.data(), scales.data(), rows, cols, per_row);
    return out;
}

// The training text of section 5: sentences of a small grammar, the same every run.
std::string lesson_text() {
    const char* who[] = {"the miller", "a weaver", "the old smith", "my cousin"};
    const char* does[] = {"grinds", "weaves", "mends", "sells"};
    const char* what[] = {"the grain", "a red cloth", "two iron nails", "the morning bread"};
    std::string text;
    for (int i = 0; i < 160; i++)
        text += fmt::format("{} {} {}.{}", who[(i * 7) % 4], does[(i * 3 + i / 4) % 4], what[(i * 5 + i / 3) % 4],
                            i % 4 == 3 ? "\n" : " ");
    return text;
}

}  // namespace

int main() {
    // 1. One block by hand
    // --------------------
    const std::vector<float> block = {0.313f, -1.27f, 0.0234f, 0.8861f, -0.4549f, 0.6015f, 1.1042f, -0.0707f};
    const std::vector<float> q = int8(block, 1, 8, false);
    float s = 0;
    quant_scales(&s, block.data(), 1, 8, false);
    fmt::print("1. one block: absmax 1.27, step s = 1.27 / 127 = {:.4f}\n", s);
    fmt::print("        x      q      q s      error\n");
    for (size_t i = 0; i < block.size(); i++)
        fmt::print("   {:7.4f} {:5.0f} {:8.4f} {:+9.5f}\n", block[i], q[i] / s, q[i], q[i] - block[i]);

    // 2. The error against the formulas
    // ---------------------------------
    Rng rng(16);
    const int n = 100000;
    std::vector<float> x(n);
    for (float& v : x) v = static_cast<float>(2 * rng.uniform() - 1);  // uniform in [-1, 1)
    std::vector<float> out = int8(x, 1, n, false);
    quant_scales(&s, x.data(), 1, n, false);
    double worst = 0;
    for (int i = 0; i < n; i++) worst = std::max(worst, std::fabs(double(out[static_cast<size_t>(i)] - x[static_cast<size_t>(i)])));
    fmt::print("\n2. {} values uniform in [-1, 1): s = {:.5f}\n", n, s);
    fmt::print("   worst error {:.6f}, s/2 = {:.6f}\n", worst, s / 2);
    fmt::print("   rms error   {:.6f}, s/sqrt(12) = {:.6f}\n", rms_error(x, out, 0, x.size()), s / std::sqrt(12.0));

    // 3. One outlier
    // --------------
    std::vector<float> with_outlier = x;
    with_outlier[0] = 50;
    const std::vector<float> out_outlier = int8(with_outlier, 1, n, false);
    const double before = rms_error(x, out, 1, x.size()), after = rms_error(with_outlier, out_outlier, 1, x.size());
    fmt::print("\n3. the same values and one at 50: the rms error of the others grows {:.1f}x (predicted 50x)\n",
               after / before);

    // 4. One scale per row
    // --------------------
    const int rows = 4, cols = 1000;
    std::vector<float> m(x.begin(), x.begin() + rows * cols);
    m[static_cast<size_t>(2 * cols + 5)] = 50;  // the outlier sits in row 2
    const std::vector<float> per_tensor = int8(m, rows, cols, false), per_row = int8(m, rows, cols, true);
    fmt::print("\n4. a (4, 1000) matrix with one value of 50 in row 2: rms error per row\n");
    fmt::print("   row   one scale   a scale per row\n");
    for (int r = 0; r < rows; r++) {
        const size_t a = static_cast<size_t>(r * cols), b = a + static_cast<size_t>(cols);
        fmt::print("   {}     {:.5f}     {:.5f}\n", r, rms_error(m, per_tensor, a, b), rms_error(m, per_row, a, b));
    }

    // 5. Trained models
    // -----------------
    const fs::path root = fs::temp_directory_path() / fmt::format("glulab-lesson16-{}", getpid());
    fs::create_directories(root);
    const std::string text = lesson_text();
    std::ofstream(root / "text.txt") << text;
    fmt::print("\n5. relu and swiglu (L=2, C=32, T=16), 300 steps each; the FFN hidden vector at the last\n"
               "   evaluation (largest over layers), and the loss on the whole text, float32 and int8:\n");
    for (FfnKind kind : {FfnKind::relu, FfnKind::swiglu}) {
        TrainConfig cfg;
        cfg.data = (root / "text.txt").string();
        cfg.model = ModelConfig{.ctx = 16, .layers = 2, .d_model = 32, .heads = 2, .ffn = kind};
        cfg.optim = OptimConfig{.lr = 1e-2f, .min_lr = 1e-3f, .warmup = 10, .steps = 300};
        cfg.batch = 8;
        cfg.eval_every = 100;
        cfg.eval_batches = 4;
        cfg.threads = 1;
        const std::string dir = (root / ffn_kind_name(kind)).string();
        train_run(cfg, dir, /*resume=*/false, /*force=*/true, with_run_telemetry(dir));
        double kurtosis = 0, ratio = 0;
        const std::vector<ActivationRow> acts = read_run_activations(dir);
        for (const ActivationRow& a : acts)
            if (a.step == acts.back().step && a.site == static_cast<int>(ActSite::hidden)) {
                kurtosis = std::max(kurtosis, a.kurtosis);
                ratio = std::max(ratio, a.max_over_median);
            }
        std::string losses;
        LoadedModel float32 = load_model(dir + "/model.safetensors");
        const double full = evaluate_text(*float32.model, float32.vocab, text).loss;
        for (const char* scheme : {"w8", "w8-channel", "w8a8", "w8a8-token"}) {
            LoadedModel lm = load_model(dir + "/model.safetensors");
            quantize_model(*lm.model, parse_quant_scheme(scheme));
            losses += fmt::format("{}{} {:+.4f}", losses.empty() ? "" : ", ", scheme,
                                  evaluate_text(*lm.model, lm.vocab, text).loss - full);
        }
        fmt::print("   {}: hidden kurtosis {:.1f}, max/median {:.1f}; loss {:.4f}\n", ffn_kind_name(kind), kurtosis,
                   ratio, full);
        fmt::print("     int8, the loss's change: {}\n", losses);
    }
    fs::remove_all(root);
    return 0;
}
