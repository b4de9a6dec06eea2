// cmd_bench.cpp — `glulab bench`: how fast a training step is, and how close to the machine's
// matrix-multiply peak.
//
// It times full training steps (forward, backward, clipping, AdamW) on random batches after a
// few warm-up steps, and reports ms/step, tokens/s, the achieved GFLOP/s (matrix-product FLOPs
// of the step, counted below) and that as a fraction of the sgemm peak measured on the spot,
// at the same thread count. `make bench` runs the PyTorch reference at the same configuration
// in the same command and prints the ratio. Under mpirun (a `make MPI=1` build) B is the global
// batch, each rank computes B/N rows, and the allreduce's share of the step and its bytes are
// reported too (its time includes waiting for the slowest rank). `--products` also times the
// step's matrix products alone, at their real shapes: the share of the peak the whole step
// could reach if every other op took no time.
//
// Lesson 14 · making it fast
#include "bench_products.hpp"
#include "bench_sample.hpp"
#include "commands.hpp"
#include "flags.hpp"

#include "glulab/platform/check.hpp"
#include "glulab/train/data_parallel.hpp"
#include "glulab/ops/gemm_trace.hpp"
#include "glulab/train/json_io.hpp"
#include "glulab/ops/ops.hpp"
#include "glulab/platform/blas.hpp"
#include "glulab/ops/speed.hpp"
#include "glulab/platform/threads.hpp"
#include "glulab/platform/dist.hpp"
#include "glulab/core/op_profile.hpp"
#include "glulab/core/tape.hpp"

#include <fmt/core.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <vector>

namespace glulab {

namespace {

struct BenchArgs {
    TrainConfig cfg;
    std::string ffn = "swiglu";
    int steps = 30;
    int warmup = 5;
    bool json = false;
    bool profile = false;
    bool products = false;       // --products: time the step's matrix products alone
    bool sample = false;         // --sample: time the sampler instead (bench_sample.hpp)
    bool scaling = false;        // --scaling: the step at 1 thread and at every core, in turn
    SampleBenchOptions sampling;
};

// The --profile table: per op, forward and backward milliseconds per step, largest first.
void print_profile(const OpProfile& profile, int steps) {
    std::vector<OpTime> ops = profile.ops();
    std::sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) {
        return a.forward_s + a.backward_s > b.forward_s + b.backward_s;
    });
    double total = 0;
    for (const auto& o : ops) total += o.forward_s + o.backward_s;
    fmt::print("  {:<16} {:>8} {:>10} {:>10} {:>7}\n", "op", "calls", "fwd ms", "bwd ms", "share");
    for (const auto& o : ops)
        fmt::print("  {:<16} {:>8} {:>10.3f} {:>10.3f} {:>6.1f}%\n", o.op, o.calls / steps,
                   1e3 * o.forward_s / steps, 1e3 * o.backward_s / steps,
                   100 * (o.forward_s + o.backward_s) / total);
    fmt::print("  {:<16} {:>8} {:>21.3f} ms per step in ops (the rest: zeroing, clipping, AdamW)\n",
               "total", "", 1e3 * total / steps);
}

// FLOPs of one training step in matrix products: each Linear of (in -> out) on N = B*T rows is
// 2*N*in*out forward and twice that backward (dx and dW); attention's q k^T and att v are
// 2*B*NH*S*HS each forward, where S = attention_score_count(T) is the number of scores the
// blocked kernel really computes per head: the causal half plus the diagonal blocks' masked
// triangles, not the T*T of the square (src/ops/attention.cpp → attention_forward). Its four
// backward products are twice that. Elementwise work is left out: it is small next to these.
double step_flops(const ModelConfig& m, int B, int V) {
    const double N = double(B) * m.ctx, C = m.d_model, H = m.ffn_hidden(), L = m.layers;
    const double ffn_mats = is_gated(m.ffn) ? 3 : 2;
    const double linear = N * (L * (3 * C * C + C * C + ffn_mats * C * H) + C * V);
    const double scores = double(attention_score_count(m.ctx));
    const double attention = L * 2.0 * B * scores * C;  // summed over heads: NH * HS = C
    return 3.0 * 2.0 * (linear + attention);
}

// The step benchmark: warm-up steps, then timed ones, the sgemm peak measured now, and the
// optional --products ceiling, --profile table and allreduce share. Returns the median ms per
// step; with print = false it only times the steps (--scaling's rounds).
double bench_steps(BenchArgs& a, bool print = true) {
    const TrainConfig& c = a.cfg;
    omp_set_num_threads(choose_threads(c.threads, step_probe));  // --threads 0: measured now
    const int threads = omp_get_max_threads();
    const int B = c.batch, T = c.model.ctx, V = c.model.vocab_size;
    Transformer model(c.model);
    model.init(c.seed);
    Rng rng(c.seed);
    std::vector<int> idx(static_cast<size_t>(B * T)), tgt(idx.size());
    for (size_t i = 0; i < idx.size(); i++) {
        idx[i] = static_cast<int>(rng.below(static_cast<uint64_t>(V)));
        tgt[i] = static_cast<int>(rng.below(static_cast<uint64_t>(V)));
    }
    Tape tape;
    OpProfile profile;  // --profile: installed on the tape after the warm-up
    ParamStore& ps = model.params();
    const BatchRows rows = batch_rows(B);
    const size_t first = static_cast<size_t>(rows.begin) * static_cast<size_t>(T);
    DataParallel dp(ps, false);
    model.train(rows.begin);  // training steps: dropout on if --dropout asks for it
    double comm_before = 0;  // allreduce seconds of the warm-up steps
    std::vector<double> ms;
    for (int s = 0; s < a.warmup + a.steps; s++) {
        if (s == a.warmup && a.profile) tape.observe(&profile);
        if (s == a.warmup) comm_before = dp.comm_seconds();
        auto t0 = std::chrono::steady_clock::now();
        tape.reset();
        ps.zero_grad();
        Tensor loss = model.loss(tape, idx.data() + first, tgt.data() + first, rows.count, T);
        tape.backward(loss);
        dp.update(ps, c.optim, learning_rate(c.optim, s), s + 1);  // clip + AdamW (+ allreduce)
        double dt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (s >= a.warmup) ms.push_back(dt);
    }
    double timed_ms = 0;
    for (double m : ms) timed_ms += m;
    const double comm_share = 1e3 * (dp.comm_seconds() - comm_before) / timed_ms;
    const size_t comm_bytes = dp.comm_bytes_per_update();
    std::sort(ms.begin(), ms.end());
    const double median = ms[ms.size() / 2];
    if (!print) return median;
    const double tokens_per_s = B * T / (median / 1e3);
    const double flops = step_flops(c.model, B, V);
    const double gflops = flops / (median / 1e3) / 1e9;
    ProductTiming products;
    if (a.products) {
        std::vector<GemmCall> calls;
        gemm_trace(&calls);  // one more step, recording its products
        tape.reset();
        ps.zero_grad();
        tape.backward(model.loss(tape, idx.data() + first, tgt.data() + first, rows.count, T));
        gemm_trace(nullptr);
        products = time_products(calls, 0.3);
        const double rank_flops = step_flops(c.model, rows.count, V);  // this rank's rows
        GLULAB_CHECK(std::abs(products.flops - rank_flops) <= 1e-9 * rank_flops,
                     "step_flops must count the products the step makes",
                     "bench: the step's {} gemm calls make {:.6g} FLOPs, step_flops counts {:.6g}",
                     products.calls, products.flops, rank_flops);
    }
    const double products_gflops = a.products ? products.flops / (products.ms / 1e3) / 1e9 : 0.0;
    // The peak: one large sgemm split over the same threads, timed right now.
    const double peak = measure_sgemm_gflops(1024, 1024, 256, 0.3);
    const BlasInfo blas = blas_info();
    if (a.json) {
        JsonFields j = {{"ffn", a.ffn},           {"layers", c.model.layers},
                        {"d_model", c.model.d_model}, {"heads", c.model.heads},
                        {"ctx", T},                {"batch", B},
                        {"threads", threads},      {"ms_per_step", median},
                        {"tokens_per_s", tokens_per_s}, {"gflops", gflops},
                        {"sgemm_peak_gflops", peak}, {"blas_core", blas.core},
                        {"ranks", dist_size()},    {"allreduce_share", comm_share},
                        {"allreduce_bytes", comm_bytes}};
        if (a.products) {
            j.emplace_back("products_ms_per_step", products.ms);
            j.emplace_back("products_gflops", products_gflops);
        }
        fmt::print("{}\n", json_object(j));
        return median;
    }
    fmt::print("glulab bench  ffn {}  L {}  C {}  NH {}  T {}  B {}  threads {}  OpenBLAS {}\n", a.ffn,
               c.model.layers, c.model.d_model, c.model.heads, T, B, threads, blas.core);
    fmt::print("  {:.2f} ms/step (median of {}, min {:.2f})  {:.0f} tokens/s\n", median, ms.size(),
               ms.front(), tokens_per_s);
    fmt::print("  {:.1f} GFLOP/s in matrix products = {:.0f}% of the {:.1f} GFLOP/s sgemm peak measured now\n",
               gflops, 100 * gflops / peak, peak);
    if (a.products) {
        auto share = [&](double f, double t_ms) { return 100 * f / (t_ms / 1e3) / 1e9 / peak; };
        fmt::print("  products alone: {} gemm calls in {:.2f} ms of the {:.2f} ms step, {:.1f} GFLOP/s = {:.0f}% of "
                   "the peak: the step's ceiling\n",
                   products.calls, products.ms, median, products_gflops, 100 * products_gflops / peak);
        fmt::print("    {:>5} calls outside parallel regions (split over the threads) {:8.2f} ms  {:3.0f}% of the peak\n",
                   products.calls - products.heads_calls, products.split_ms,
                   share(products.split_flops, products.split_ms));
        fmt::print("    {:>5} calls inside a parallel loop (attention's heads)    {:8.2f} ms  {:3.0f}% of the peak\n", products.heads_calls,
                   products.heads_ms, share(products.heads_flops, products.heads_ms));
        print_product_shapes(products, peak);
    }
    if (dist_size() > 1)
        fmt::print("  {} ranks x {} rows: allreduce {:.1f}% of the step, {:.2f} MB per step per rank\n",
                   dist_size(), rows.count, 100 * comm_share, comm_bytes / 1e6);
    if (a.profile) print_profile(profile, a.steps);
    return median;
}

// --scaling: what the second core buys one step. The same steps at 1 thread and at every core,
// taking turns `rounds` times so that a burst of other work falls on both; the medians, their
// spread and the median of the rounds' ratios.
void bench_scaling(BenchArgs& a) {
    const int cores = omp_get_num_procs();
    std::vector<double> one, all, ratio;
    for (int r = 0; r < a.sampling.rounds; r++) {
        BenchArgs b = a;
        b.cfg.threads = 1;
        one.push_back(bench_steps(b, false));
        b.cfg.threads = cores;
        all.push_back(bench_steps(b, false));
        ratio.push_back(one.back() / all.back());
    }
    const auto s1 = std::ranges::minmax(one), sn = std::ranges::minmax(all), sr = std::ranges::minmax(ratio);
    auto med = [](const std::vector<double>& v) { return median(v); };
    if (a.json) {
        fmt::print("{}\n", json_object({{"rounds", a.sampling.rounds}, {"cores", cores}, {"ms_per_step_1", med(one)},
                                         {"ms_per_step_all", med(all)}, {"speedup", med(ratio)}}));
        return;
    }
    fmt::print("glulab bench --scaling  ffn {}  L {}  C {}  T {}  B {}: {} rounds, 1 thread and {} threads in turn\n",
               a.ffn, a.cfg.model.layers, a.cfg.model.d_model, a.cfg.model.ctx, a.cfg.batch, a.sampling.rounds, cores);
    fmt::print("  1 thread   {:8.2f} ms/step median  ({:.2f} to {:.2f})\n", med(one), s1.min, s1.max);
    fmt::print("  {} threads  {:8.2f} ms/step median  ({:.2f} to {:.2f})\n", cores, med(all), sn.min, sn.max);
    fmt::print("  speed-up {:.2f}x (median of the rounds' ratios; {:.2f} to {:.2f})\n", med(ratio), sr.min, sr.max);
}

}  // namespace

void add_bench_command(CLI::App& app) {
    auto a = std::make_shared<BenchArgs>();
    Command* cmd = add_command(app, "bench", "Time training steps; report ms/step, tokens/s and GFLOP/s");
    cmd->add_option("--ffn", a->ffn, "feed-forward kind: " + ffn_kind_names())->capture_default_str();
    add_model_flags(*cmd, a->cfg.model);
    cmd->add_option("--batch", a->cfg.batch, "B")->check(positive())->capture_default_str();
    cmd->add_option("--vocab", a->cfg.model.vocab_size, "V (random tokens)")->check(positive());
    cmd->add_option("--threads", a->cfg.threads, "OpenMP threads (0: all cores, or 1 if that measures faster now)")->check(in_range(0, kMaxThreads))->capture_default_str();
    cmd->add_option("--steps", a->steps, "timed steps")->check(positive())->capture_default_str();
    cmd->add_option("--warmup", a->warmup, "untimed steps first")->check(non_negative())->capture_default_str();
    cmd->add_flag("--json", a->json, "print one JSON object");
    cmd->add_flag("--profile", a->profile, "also print the time spent in each op, forward and backward");
    cmd->add_flag("--products", a->products,
                  "also time the step's matrix products alone at their real shapes: the share of the peak the step could reach");
    cmd->add_flag("--sample", a->sample,
                  "time sampling instead: chars/s cached, --no-cache, the full-window recompute per character and N texts in one pass");
    cmd->add_option("--tokens", a->sampling.tokens, "with --sample: characters per path and round")
        ->check(positive())->capture_default_str();
    cmd->add_flag("--scaling", a->scaling,
                  "time the step at 1 thread and at every core in turn (--rounds times) and print the speed-up");
    cmd->add_option("--rounds", a->sampling.rounds, "with --sample or --scaling: rounds (median)")
        ->check(positive())->capture_default_str();
    cmd->add_option("--num-samples", a->sampling.samples, "with --sample: texts drawn in one pass by path (d)")
        ->check(in_range(1, 1024))->capture_default_str();
    a->cfg.model.vocab_size = 65;
    cmd->callback([a] {
        a->cfg.model.ffn = parse_ffn_kind(a->ffn);
        if (a->sample) {  // chooses its threads as `glulab sample` does
            a->sampling.seed = a->cfg.seed;
            a->sampling.json = a->json;
            a->sampling.threads = a->cfg.threads;
            bench_sampling(a->cfg.model, a->sampling);
            return;
        }
        if (a->scaling) {
            bench_scaling(*a);
            return;
        }
        bench_steps(*a);
    });
}

}  // namespace glulab
