// test_determinism.cpp — the same bits whatever the number of OpenMP threads.
//
// A run stopped on one machine and resumed on another with a different core count (or resumed
// without repeating --threads) must continue the run it stopped, to the bit. So every kernel's
// result, reductions included, may depend on the shapes only, never on how many threads
// shared the work. The first test holds each kernel to that at 1, 2, 3 and 4 threads, on
// shapes above every kernel's threshold for starting threads; the second trains two small
// runs at each count and compares the checkpoints' bytes.
//
// What may still differ is the machine: OpenBLAS picks its kernel by CPU (docs/cli.md).
//
// Lesson 14 · making it fast
#include <doctest/doctest.h>

#include "glulab/ops/ops.hpp"
#include "glulab/platform/rng.hpp"
#include "glulab/train/trainer.hpp"

#include <omp.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>
#include <vector>
#include "test_util.hpp"

using namespace glulab;
using glulab_test::metrics_without_timing;
using glulab_test::OmpThreadsGuard;
using glulab_test::read_file;
using glulab_test::TempDir;
using glulab_test::write_file;
namespace fs = std::filesystem;

namespace {


std::vector<float> random_floats(size_t n, uint64_t seed) {
    Rng rng(seed);
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>(rng.uniform() * 4.0 - 2.0);
    return v;
}

// The bytes `run` writes into its output, as a string, at `threads` OpenMP threads.
using Kernel = std::function<std::vector<float>()>;
std::string bytes_at(int threads, const Kernel& run) {
    omp_set_num_threads(threads);
    const std::vector<float> out = run();
    return std::string(reinterpret_cast<const char*>(out.data()), out.size() * sizeof(float));
}

// Index of the first float where two outputs differ, for the failure message.
size_t first_difference(const std::string& a, const std::string& b) {
    for (size_t i = 0; i < std::min(a.size(), b.size()); i += 4)
        if (std::memcmp(a.data() + i, b.data() + i, 4) != 0) return i / 4;
    return a.size() / 4;
}

std::string grammar_text() { return glulab_test::grammar_text(11, 400); }


}  // namespace

TEST_SUITE_BEGIN("lesson14");

TEST_CASE("threads: every kernel gives the same bits at 1, 2, 3 and 4 threads") {
    OmpThreadsGuard guard;
    // N rows of C: above every threshold (2^16 elements for the elementwise ops, 16384 for the
    // norms, 2^19 multiply-adds for gemm's split), with row counts that split unevenly.
    const int N = 1000, C = 96, H = 200, V = 67;
    const int64_t n = int64_t{N} * H;
    const std::vector<float> x = random_floats(size_t(N) * C, 1), w = random_floats(size_t(H) * C, 2);
    const std::vector<float> h = random_floats(size_t(n), 3), dh = random_floats(size_t(n), 4);
    const std::vector<float> dx_out = random_floats(size_t(N) * C, 5), g = random_floats(size_t(C), 6);
    const std::vector<float> logits = random_floats(size_t(N) * V, 7);
    std::vector<int> targets(static_cast<size_t>(N));
    for (int i = 0; i < N; i++) targets[size_t(i)] = (i * 7) % V;

    const std::vector<std::pair<const char*, Kernel>> kernels = {
        {"matmul_forward", [&] {
             std::vector<float> out(size_t(N) * H);
             matmul_forward(out.data(), x.data(), w.data(), N, H, C, true);
             return out;
         }},
        {"matmul_backward", [&] {
             std::vector<float> dx(size_t(N) * C, 0.5f), dw(size_t(H) * C, 0.25f);
             matmul_backward(dx.data(), dw.data(), dh.data(), x.data(), w.data(), N, H, C, true);
             dx.insert(dx.end(), dw.begin(), dw.end());
             return dx;
         }},
        {"matmul_backward of a square weight (attention's proj, (C, C))", [&] {
             const int M = 512, K = 64;  // dW (64, 64) = dout^T (64, 512) @ x (512, 64): 2^21 multiply-adds
             std::vector<float> dx(static_cast<size_t>(M) * K, 0.5f), dw(static_cast<size_t>(K) * K, 0.25f);
             matmul_backward(dx.data(), dw.data(), x.data(), x.data(), w.data(), M, K, K, true);
             dx.insert(dx.end(), dw.begin(), dw.end());
             return dx;
         }},
        {"matmul_forward, matmul_backward of a short weight (lm_head's (V, C) for a small V)", [&] {
             const int Vs = 25, K = 64, M = 512;  // work M Vs K just above gemm's split threshold
             std::vector<float> out(static_cast<size_t>(M) * Vs), dx(static_cast<size_t>(M) * K, 0.5f),
                 dw(static_cast<size_t>(Vs) * K, 0.25f);
             matmul_forward(out.data(), x.data(), w.data(), M, Vs, K, true);
             matmul_backward(dx.data(), dw.data(), out.data(), x.data(), w.data(), M, Vs, K, true);
             for (const std::vector<float>* v : {&dx, &dw}) out.insert(out.end(), v->begin(), v->end());
             return out;
         }},
        {"activation_forward: gelu, silu, sigmoid", [&] {
             std::vector<float> out(size_t(3 * n));
             activation_forward(out.data(), h.data(), n, Act::gelu);
             activation_forward(out.data() + n, h.data(), n, Act::silu);
             activation_forward(out.data() + 2 * n, h.data(), n, Act::sigmoid);
             return out;
         }},
        {"activation_backward: gelu, silu, gelu_tanh", [&] {
             std::vector<float> dx(size_t(3 * n), 0.5f);
             activation_backward(dx.data(), dh.data(), h.data(), n, Act::gelu);
             activation_backward(dx.data() + n, dh.data(), h.data(), n, Act::silu);
             activation_backward(dx.data() + 2 * n, dh.data(), h.data(), n, Act::gelu_tanh);
             return dx;
         }},
        {"add, mul, scale, dropout: forward and backward", [&] {
             std::vector<float> out(static_cast<size_t>(n) * 4, 0.5f), mask(static_cast<size_t>(n));
             add_forward(out.data(), h.data(), dh.data(), n);
             mul_backward(out.data() + n, out.data() + 2 * n, dh.data(), h.data(), out.data(), n);
             dropout_forward(out.data() + 3 * n, mask.data(), h.data(), n, 0.25f, 9);
             dropout_backward(out.data(), dh.data(), mask.data(), n);
             scale_backward(out.data() + n, dh.data(), 0.3f, n);
             return out;
         }},
        {"glu_forward, glu_backward (silu, gelu)", [&] {
             std::vector<float> out(size_t(n) * 3, 0.5f);
             glu_forward(out.data(), h.data(), dh.data(), N, H, H, Act::silu);
             glu_backward(out.data() + n, out.data() + 2 * n, dh.data(), h.data(), dh.data(), N, H, H, Act::gelu);
             return out;
         }},
        {"rms_norm_forward, rms_norm_backward", [&] {
             std::vector<float> out(size_t(N) * C), rstd(static_cast<size_t>(N)), dx(size_t(N) * C, 0.5f), dg(size_t(C), 0.5f);
             rms_norm_forward(out.data(), rstd.data(), x.data(), g.data(), N, C, 1e-5f);
             rms_norm_backward(dx.data(), dg.data(), dx_out.data(), x.data(), g.data(), rstd.data(), N, C);
             out.insert(out.end(), dx.begin(), dx.end());
             out.insert(out.end(), dg.begin(), dg.end());
             return out;
         }},
        {"layer_norm_forward, layer_norm_backward", [&] {
             std::vector<float> out(size_t(N) * C), mean(static_cast<size_t>(N)), rstd(static_cast<size_t>(N)), dx(size_t(N) * C, 0.5f),
                 dg(size_t(C), 0.5f), db(size_t(C), 0.5f);
             layer_norm_forward(out.data(), mean.data(), rstd.data(), x.data(), g.data(), g.data(), N, C, 1e-5f);
             layer_norm_backward(dx.data(), dg.data(), db.data(), dx_out.data(), x.data(), g.data(), mean.data(),
                                 rstd.data(), N, C);
             for (const std::vector<float>* v : {&dx, &dg, &db}) out.insert(out.end(), v->begin(), v->end());
             return out;
         }},
        {"cross_entropy_forward, cross_entropy_backward", [&] {
             std::vector<float> probs(size_t(N) * V), dlogits(size_t(N) * V, 0.5f);
             const float loss = cross_entropy_forward(probs.data(), logits.data(), targets.data(), N, V);
             cross_entropy_backward(dlogits.data(), 1.0f, probs.data(), targets.data(), N, V);
             dlogits.push_back(loss);
             return dlogits;
         }},
        {"softmax_forward, softmax_backward", [&] {
             std::vector<float> out(size_t(N) * V), dx(size_t(N) * V, 0.5f);
             softmax_forward(out.data(), logits.data(), N, V);
             softmax_backward(dx.data(), logits.data(), out.data(), N, V);
             out.insert(out.end(), dx.begin(), dx.end());
             return out;
         }},
        {"embedding_backward", [&] {
             std::vector<float> dw(size_t(V) * C, 0.5f);
             embedding_backward(dw.data(), dx_out.data(), targets.data(), N, C);
             return dw;
         }},
        {"attention_forward, attention_backward", [&] {
             const int B = 4, T = 64, AC = 64, NH = 4;
             const std::vector<float> qkv = random_floats(size_t(B) * T * 3 * AC, 8);
             const std::vector<float> dout = random_floats(size_t(B) * T * AC, 9);
             std::vector<float> out(size_t(B) * T * AC), probs(size_t(B) * NH * T * T);
             std::vector<float> dqkv(qkv.size(), 0.5f), scratch(size_t(attention_scratch_floats(B, T, NH)));
             attention_forward(out.data(), probs.data(), qkv.data(), B, T, AC, NH);
             attention_backward(dqkv.data(), scratch.data(), dout.data(), qkv.data(), probs.data(), B, T, AC, NH);
             out.insert(out.end(), dqkv.begin(), dqkv.end());
             return out;
         }},
    };
    for (const auto& [name, run] : kernels) {
        const std::string one = bytes_at(1, run);
        for (int threads : {2, 3, 4}) {
            const std::string other = bytes_at(threads, run);
            const bool same = one == other;
            CHECK_MESSAGE(same, std::string(name) << ": at " << threads << " threads float "
                                                  << first_difference(one, other) << " differs from 1 thread's");
        }
    }
}

TEST_CASE("threads: a run's checkpoint bytes are identical at 1, 2, 3 and 4 threads") {
    OmpThreadsGuard guard;
    TempDir tmp("determinism");
    write_file(tmp / "text.txt", grammar_text());
    struct Variant {
        FfnKind ffn;
        NormKind norm;
        float dropout;
    };
    // A gated kind, a plain one with LayerNorm and dropout: between them every kernel runs.
    for (const Variant& v : {Variant{FfnKind::swiglu, NormKind::rmsnorm, 0.0f},
                             Variant{FfnKind::gelu, NormKind::layernorm, 0.1f}}) {
        TrainConfig cfg;
        cfg.data = tmp.path("text.txt");
        // N = B T = 512 rows of C = 64: above the kernels' thresholds for starting threads.
        cfg.model = ModelConfig{.ctx = 32, .layers = 2, .d_model = 64, .heads = 4, .ffn = v.ffn,
                                .dropout = v.dropout, .norm = v.norm};
        cfg.optim = OptimConfig{.lr = 3e-3f, .min_lr = 3e-4f, .warmup = 5, .steps = 24};
        cfg.batch = 16;
        cfg.eval_every = 12;
        cfg.eval_batches = 2;
        cfg.seed = 5;
        std::string first_model, first_losses;
        for (int threads : {1, 2, 3, 4}) {
            cfg.threads = threads;
            const std::string dir = tmp.path(fmt::format("{}-{}", ffn_kind_name(v.ffn), threads));
            train_run(cfg, dir, false, false);
            const std::string model = read_file(fs::path(dir) / "model.safetensors");
            const std::string optimizer = read_file(fs::path(dir) / "optimizer.safetensors");
            const std::string losses = metrics_without_timing(fs::path(dir) / "metrics.csv");
            REQUIRE(!model.empty());
            if (threads == 1) {
                first_model = model + optimizer;
                first_losses = losses;
                continue;
            }
            const bool same_losses = losses == first_losses;
            CHECK_MESSAGE(same_losses, "metrics.csv at " << threads << " threads:\n" << losses
                                                                    << "at 1 thread:\n" << first_losses);
            const bool same = model + optimizer == first_model;
            CHECK_MESSAGE(same, ffn_kind_name(v.ffn) << ": the checkpoint at " << threads
                                                                                  << " threads differs from 1 thread's");
        }
    }
}

TEST_SUITE_END();
