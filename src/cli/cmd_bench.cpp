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

// --products
// ----------
// The ceiling for the step's share of the peak: its matrix products with nothing between them.
// One step runs with gemm_trace on (src/ops/matmul.cpp → gemm), and its calls are replayed in
// the same order on scratch arrays large enough for every call, with the same threads: a call
// the step made outside a parallel region goes through gemm again, which splits its rows as it
// did; a run of calls made inside one (attention's loop over heads) becomes one parallel loop
// over those calls, each thread with its own output array, each call on one thread, as there.
// The replay repeats for `seconds` (at least 3 times); the median replay is the result, and
// the median time of each of its two parts: the products made outside parallel regions (the
// linear layers, split over the threads) and those made inside (attention's, one per call).
//
// Per shape (transposes, M, N, K, beta, inside a parallel region or not) the replay also adds up
// the time of that shape's calls: wall time for a call outside parallel regions; a parallel
// loop's wall time is shared among its shapes in proportion to the threads' time in each. The
// table prints each shape's median, largest first, so a note can say which shapes lose.
struct ShapeTiming {
    GemmCall shape;  // the first call of this shape (its strides and alpha)
    size_t calls = 0;
    double flops = 0, ms = 0;  // per step; ms the median
};

struct ProductTiming {
    double ms = 0;     // median time of one step's products
    double flops = 0;  // 2 M N K summed over the calls
    size_t calls = 0;
    double split_ms = 0, heads_ms = 0;        // the two parts' median times
    double split_flops = 0, heads_flops = 0;  // and their FLOPs
    size_t heads_calls = 0;
    std::vector<ShapeTiming> shapes;  // largest time first
};

bool same_shape(const GemmCall& a, const GemmCall& b) {
    return a.trans_a == b.trans_a && a.trans_b == b.trans_b && a.M == b.M && a.N == b.N && a.K == b.K &&
           a.beta == b.beta && a.in_parallel == b.in_parallel;
}

ProductTiming time_products(const std::vector<GemmCall>& calls, double seconds) {
    ProductTiming t;
    t.calls = calls.size();
    std::vector<size_t> shape_of;  // calls[i] is of shape t.shapes[shape_of[i]]
    int64_t a_n = 0, b_n = 0, c_n = 0;  // floats each call reads from A and B and writes in C
    for (const GemmCall& g : calls) {
        const double flops = 2.0 * g.M * g.N * g.K;
        size_t k = 0;
        while (k < t.shapes.size() && !same_shape(t.shapes[k].shape, g)) k++;
        if (k == t.shapes.size()) t.shapes.push_back({g});
        t.shapes[k].calls++;
        t.shapes[k].flops += flops;
        shape_of.push_back(k);
        t.flops += flops;
        (g.in_parallel ? t.heads_flops : t.split_flops) += flops;
        t.heads_calls += g.in_parallel;
        const int64_t a_rows = g.trans_a ? g.K : g.M, a_cols = g.trans_a ? g.M : g.K;
        const int64_t b_rows = g.trans_b ? g.N : g.K, b_cols = g.trans_b ? g.K : g.N;
        a_n = std::max(a_n, (a_rows - 1) * g.lda + a_cols);
        b_n = std::max(b_n, (b_rows - 1) * g.ldb + b_cols);
        c_n = std::max(c_n, int64_t{g.M - 1} * g.ldc + g.N);
    }
    const int threads = omp_get_max_threads();
    const std::vector<float> A(static_cast<size_t>(a_n), 0.01f), B(static_cast<size_t>(b_n), 0.01f);
    std::vector<std::vector<float>> C(static_cast<size_t>(threads), std::vector<float>(static_cast<size_t>(c_n)));
    auto run = [&](const GemmCall& g, float* c) {
        gemm(g.trans_a, g.trans_b, g.M, g.N, g.K, g.alpha, A.data(), g.lda, B.data(), g.ldb, g.beta, c, g.ldc);
    };
    using clock = std::chrono::steady_clock;
    auto ms_since = [](clock::time_point t0) {
        return std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    };
    double split_ms = 0, heads_ms = 0;  // of the replay in progress
    std::vector<double> shape_ms(t.shapes.size());  // of the replay in progress, per shape
    // Of the parallel loop in progress: per thread, per shape, the milliseconds of its calls.
    std::vector<std::vector<double>> loop_ms(static_cast<size_t>(threads), std::vector<double>(t.shapes.size()));
    auto replay = [&] {
        split_ms = heads_ms = 0;
        std::fill(shape_ms.begin(), shape_ms.end(), 0.0);
        for (size_t i = 0; i < calls.size();) {
            const auto t0 = clock::now();
            if (!calls[i].in_parallel) {
                run(calls[i], C[0].data());
                const double dt = ms_since(t0);
                split_ms += dt;
                shape_ms[shape_of[i++]] += dt;
                continue;
            }
            size_t end = i;
            while (end < calls.size() && calls[end].in_parallel) end++;
            for (auto& per_thread : loop_ms) std::fill(per_thread.begin(), per_thread.end(), 0.0);
#pragma omp parallel for schedule(static)
            for (size_t j = i; j < end; j++) {
                const size_t me = static_cast<size_t>(omp_get_thread_num());
                const auto c0 = clock::now();
                run(calls[j], C[me].data());
                loop_ms[me][shape_of[j]] += ms_since(c0);
            }
            const double dt = ms_since(t0);
            double busy = 0;  // all threads' time in the loop's calls
            for (const auto& per_thread : loop_ms)
                for (double x : per_thread) busy += x;
            for (const auto& per_thread : loop_ms)
                for (size_t k = 0; k < shape_ms.size(); k++) shape_ms[k] += busy > 0 ? dt * per_thread[k] / busy : 0.0;
            i = end;
            heads_ms += dt;
        }
    };
    replay();  // warm-up: page faults, OpenBLAS's buffers
    std::vector<double> ms, split, heads;
    std::vector<std::vector<double>> per_shape(t.shapes.size());  // per shape, per replay
    double total = 0;
    while (ms.size() < 3 || total < 1e3 * seconds) {
        const auto t0 = clock::now();
        replay();
        ms.push_back(ms_since(t0));
        split.push_back(split_ms);
        heads.push_back(heads_ms);
        for (size_t k = 0; k < t.shapes.size(); k++) per_shape[k].push_back(shape_ms[k]);
        total += ms.back();
    }
    t.ms = median(ms);
    t.split_ms = median(split);
    t.heads_ms = median(heads);
    for (size_t k = 0; k < t.shapes.size(); k++) t.shapes[k].ms = median(per_shape[k]);
    std::sort(t.shapes.begin(), t.shapes.end(), [](const auto& a, const auto& b) { return a.ms > b.ms; });
    return t;
}

// The --products table: one line per shape, largest time first.
void print_product_shapes(const ProductTiming& t, double peak) {
    fmt::print("    {:>2} {:>5} {:>5} {:>5} {:>4} {:>6} {:>7} {:>8} {:>7}  {}\n", "op", "M", "N", "K", "beta",
               "calls", "GFLOP", "ms", "peak", "made");
    for (const ShapeTiming& s : t.shapes) {
        const GemmCall& g = s.shape;
        fmt::print("    {}{} {:>5} {:>5} {:>5} {:>4} {:>6} {:>7.3f} {:>8.3f} {:>6.0f}%  {}\n", g.trans_a ? 'T' : 'N',
                   g.trans_b ? 'T' : 'N', g.M, g.N, g.K, g.beta, s.calls, s.flops / 1e9, s.ms,
                   100 * s.flops / (s.ms / 1e3) / 1e9 / peak, g.in_parallel ? "inside a parallel loop" : "outside, split");
    }
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
                  "time sampling instead: chars/s cached, --no-cache and the full-window recompute per character");
    cmd->add_option("--tokens", a->sampling.tokens, "with --sample: characters per path and round")
        ->check(positive())->capture_default_str();
    cmd->add_option("--rounds", a->sampling.rounds, "with --sample: rounds of the three paths (median)")
        ->check(positive())->capture_default_str();
    a->cfg.model.vocab_size = 65;
    cmd->callback([a] {
        TrainConfig& c = a->cfg;
        c.model.ffn = parse_ffn_kind(a->ffn);
        if (a->sample) {  // chooses its threads as `glulab sample` does
            a->sampling.seed = c.seed;
            a->sampling.json = a->json;
            a->sampling.threads = c.threads;
            bench_sampling(c.model, a->sampling);
            return;
        }
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
        for (int s = 0; s < a->warmup + a->steps; s++) {
            if (s == a->warmup && a->profile) tape.observe(&profile);
            if (s == a->warmup) comm_before = dp.comm_seconds();
            auto t0 = std::chrono::steady_clock::now();
            tape.reset();
            ps.zero_grad();
            Tensor loss = model.loss(tape, idx.data() + first, tgt.data() + first, rows.count, T);
            tape.backward(loss);
            dp.update(ps, c.optim, learning_rate(c.optim, s), s + 1);  // clip + AdamW (+ allreduce)
            double dt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            if (s >= a->warmup) ms.push_back(dt);
        }
        double timed_ms = 0;
        for (double m : ms) timed_ms += m;
        const double comm_share = 1e3 * (dp.comm_seconds() - comm_before) / timed_ms;
        const size_t comm_bytes = dp.comm_bytes_per_update();
        std::sort(ms.begin(), ms.end());
        const double median = ms[ms.size() / 2];
        const double tokens_per_s = B * T / (median / 1e3);
        const double flops = step_flops(c.model, B, V);
        const double gflops = flops / (median / 1e3) / 1e9;
        ProductTiming products;
        if (a->products) {
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
        const double products_gflops = a->products ? products.flops / (products.ms / 1e3) / 1e9 : 0.0;
        // The peak: one large sgemm split over the same threads, timed right now.
        const double peak = measure_sgemm_gflops(1024, 1024, 256, 0.3);
        const BlasInfo blas = blas_info();
        if (a->json) {
            JsonFields j = {{"ffn", a->ffn},           {"layers", c.model.layers},
                            {"d_model", c.model.d_model}, {"heads", c.model.heads},
                            {"ctx", T},                {"batch", B},
                            {"threads", threads},      {"ms_per_step", median},
                            {"tokens_per_s", tokens_per_s}, {"gflops", gflops},
                            {"sgemm_peak_gflops", peak}, {"blas_core", blas.core},
                            {"ranks", dist_size()},    {"allreduce_share", comm_share},
                            {"allreduce_bytes", comm_bytes}};
            if (a->products) {
                j.emplace_back("products_ms_per_step", products.ms);
                j.emplace_back("products_gflops", products_gflops);
            }
            fmt::print("{}\n", json_object(j));
            return;
        }
        fmt::print("glulab bench  ffn {}  L {}  C {}  NH {}  T {}  B {}  threads {}  OpenBLAS {}\n", a->ffn,
                   c.model.layers, c.model.d_model, c.model.heads, T, B, threads, blas.core);
        fmt::print("  {:.2f} ms/step (median of {}, min {:.2f})  {:.0f} tokens/s\n", median, ms.size(),
                   ms.front(), tokens_per_s);
        fmt::print("  {:.1f} GFLOP/s in matrix products = {:.0f}% of the {:.1f} GFLOP/s sgemm peak measured now\n",
                   gflops, 100 * gflops / peak, peak);
        if (a->products) {
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
        if (a->profile) print_profile(profile, a->steps);
    });
}

}  // namespace glulab
