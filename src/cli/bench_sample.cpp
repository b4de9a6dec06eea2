// bench_sample.cpp — `glulab bench --sample`: how many characters per second the sampler makes,
// with the key-value cache, without it, and the way sampling worked before the cache.
//
// Three ways to generate the same number of characters from the same model and seed, timed in
// one process, one after the other, in rounds (the median of each is printed), so that their
// ratios hold on a machine busy with other work:
//
//   (a) cached       generate() with the KvCache (kv_cache.hpp): one new position per
//                    character, plus the prefill of T/2 ids after every restart past T
//   (b) --no-cache   generate() without it: the whole context (the same restart rule) per character
//   (c) full window  what sampling did before the cache: for every character, one forward over
//                    the last min(T, length) ids; implemented here only, as the baseline
//
// The model has random weights (the cost of a forward does not depend on their values) and a
// vocabulary of V characters. Printing is left out: generate() is timed without its callback.
//
// Lesson 14 · making it fast
#include "bench_sample.hpp"

#include "glulab/inference.hpp"
#include "glulab/json_io.hpp"
#include "glulab/platform/blas.hpp"
#include "glulab/tape.hpp"

#include <fmt/core.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace glulab {

namespace {

// A vocabulary of V distinct characters: the newline (generate's default prompt), then the
// code points from '!' on.
Vocab bench_vocab(int V) {
    std::vector<char32_t> cps{U'\n'};
    for (int i = 1; i < V; i++) cps.push_back(static_cast<char32_t>(U'!' + i - 1));
    return Vocab(cps);
}

// (c): for every character, one forward over the last min(T, length) ids, and one draw from
// the last row by the same TokenSampler as generate().
std::string sample_full_window(Transformer& model, int start_id, const SampleOptions& opt, int V) {
    const int T = model.config().ctx;
    TokenSampler sampler(V, opt);
    std::vector<int> ids{start_id};
    Tape tape;
    NoGrad off(tape);
    std::string ids_drawn;
    for (int n = 0; n < opt.tokens; n++) {
        const int len = std::min(T, static_cast<int>(ids.size()));
        tape.reset();
        Tensor logits = model.forward(tape, ids.data() + ids.size() - len, 1, len);
        const int next = sampler.next(logits.data + static_cast<int64_t>(len - 1) * V, n);
        ids.push_back(next);
        ids_drawn += static_cast<char>(next);
    }
    return ids_drawn;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

void bench_sampling(const ModelConfig& cfg, const SampleBenchOptions& o) {
    GLULAB_CHECK(o.tokens > 0 && o.rounds > 0, "give --tokens and --rounds of at least 1",
                 "bench --sample: tokens {} and rounds {} must be positive", o.tokens, o.rounds);
    Transformer model(cfg);
    model.init(o.seed);
    const int V = cfg.vocab_size;
    GLULAB_CHECK(V >= 2 && V <= 50000, "try --vocab 65", "bench --sample: --vocab {} must lie in [2, 50000]", V);
    const Vocab vocab = bench_vocab(V);
    const int newline = vocab.encode("\n").front();  // where generate() starts without a prompt
    SampleOptions opt{.tokens = o.tokens, .seed = o.seed};
    std::vector<double> cached, uncached, window;  // chars/s of each round
    bool same_text = true;
    for (int r = 0; r < o.rounds; r++) {
        auto t0 = std::chrono::steady_clock::now();
        opt.cache = true;
        const std::string a = generate(model, vocab, "", opt);
        cached.push_back(o.tokens / seconds_since(t0));
        t0 = std::chrono::steady_clock::now();
        opt.cache = false;
        const std::string b = generate(model, vocab, "", opt);
        uncached.push_back(o.tokens / seconds_since(t0));
        t0 = std::chrono::steady_clock::now();
        sample_full_window(model, newline, opt, V);
        window.push_back(o.tokens / seconds_since(t0));
        same_text = same_text && a == b;
    }
    const double ca = median(cached), cb = median(uncached), cc = median(window);
    const int threads = omp_get_max_threads();
    const BlasInfo blas = blas_info();
    if (o.json) {
        const std::string j = json_object({{"mode", "sample"},         {"ffn", ffn_kind_name(cfg.ffn)},
                            {"layers", cfg.layers},     {"d_model", cfg.d_model},
                            {"heads", cfg.heads},       {"ctx", cfg.ctx},
                            {"vocab", V},               {"threads", threads},
                            {"tokens", o.tokens},       {"rounds", o.rounds},
                            {"cached_chars_per_s", ca}, {"no_cache_chars_per_s", cb},
                            {"full_window_chars_per_s", cc}, {"cached_over_full_window", ca / cc},
                            {"cached_over_no_cache", ca / cb}, {"same_text", same_text},
                            {"blas_core", blas.core}});
        fmt::print("{}\n", j);
        return;
    }
    fmt::print("glulab bench --sample  ffn {}  L {}  C {}  NH {}  T {}  V {}  threads {}  OpenBLAS {}\n",
               ffn_kind_name(cfg.ffn), cfg.layers, cfg.d_model, cfg.heads, cfg.ctx, V, threads, blas.core);
    fmt::print("  median of {} rounds of {} characters each, the three paths in turn\n", o.rounds, o.tokens);
    fmt::print("  (a) cached       {:>9.0f} chars/s   key-value cache, one new position per character\n", ca);
    fmt::print("  (b) --no-cache   {:>9.0f} chars/s   the whole context per character, same restarts\n", cb);
    fmt::print("  (c) full window  {:>9.0f} chars/s   a forward over the last T ids per character (before the cache)\n", cc);
    fmt::print("  a/c {:.1f}x   a/b {:.1f}x   same text cached and --no-cache: {}\n", ca / cc, ca / cb,
               same_text ? "yes" : "NO");
}

}  // namespace glulab
