// bench_sample.cpp — `glulab bench --sample`: how many characters per second the sampler makes,
// with the key-value cache, without it, the way sampling worked before the cache, and several
// texts in one pass.
//
// Three ways to generate the same number of characters from the same model and seed, timed in
// one process, one after the other, in rounds (the median of each is printed), so that their
// ratios hold on a machine busy with other work (each path is also timed in CPU seconds of the
// process, std::clock: on one thread those leave out the time other programs held the core):
//
//   (a) cached       generate() with the KvCache (kv_cache.hpp): one new position per
//                    character, plus the prefill of T/2 ids after every restart past T
//   (b) --no-cache   generate() without it: the whole context (the same restart rule) per character
//   (c) full window  what sampling did before the cache: for every character, one forward over
//                    the last min(T, length) ids; implemented here only, as the baseline
//
// and (d), timed right after (a) in each round: generate_texts of N texts (--num-samples, 8 by
// default) in one pass, each as long as (a)'s text, its first text (a)'s own. d/a is the gain
// per character of drawing N texts at once, printed as the median of the rounds' ratios with
// their smallest and largest (kv_cache.cpp → "Several texts in one pass" says why it is small
// for the default model).
//
// The model has random weights (the cost of a forward does not depend on their values) and a
// vocabulary of V characters. Printing is left out: generate() is timed without its callback.
//
// The restarts' cost: (a) includes every prefill generate() makes when the text passes T. The
// bench counts them (sample_context_start, from one id), times prefills of K ids in every round
// right after (a), for K = T/4, T/2 and 3T/4 (the median over rounds), and prints the share of (a)'s time that went to prefills, and what
// (a) would make if the restart kept K ids instead: per restart, T - K characters of one
// position each (their time: (a) less its prefills) and one prefill of K ids.
//
// Lesson 14 · making it fast
#include "bench_sample.hpp"

#include "glulab/train/inference.hpp"
#include "glulab/nn/kv_cache.hpp"
#include "glulab/train/json_io.hpp"
#include "glulab/platform/blas.hpp"
#include "glulab/platform/threads.hpp"
#include "glulab/core/tape.hpp"

#include <fmt/core.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <ctime>
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

double cpu_seconds_since(std::clock_t c0) { return static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC; }

// How many times generate() restarts the context (and refills the cache) while it makes
// `tokens` characters from one id: the rule of sample_context_start.
int count_restarts(int tokens, int T) {
    size_t start = 0;
    int restarts = 0;
    for (size_t size = 1; size <= static_cast<size_t>(tokens); size++) {  // ids before draw n
        const size_t s = sample_context_start(start, size, T);
        if (s != start) restarts++, start = s;
    }
    return restarts;
}

// The seconds of one prefill: forward_cached of n ids into an empty cache (median of 5).
double prefill_seconds(Transformer& model, int n) {
    KvCache cache(model.config());
    Tape tape;
    NoGrad off(tape);
    const std::vector<int> ids(static_cast<size_t>(n), 0);
    std::vector<double> s;
    for (int r = 0; r < 5; r++) {
        cache.clear();
        tape.reset();
        const auto t0 = std::chrono::steady_clock::now();
        forward_cached(model, tape, ids.data(), n, cache);
        s.push_back(seconds_since(t0));
    }
    return median(s);
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
    // The paths run at the count `glulab sample` would choose for the cached sampler.
    omp_set_num_threads(choose_sample_threads(o.threads, model, vocab, "", opt));
    std::vector<double> cached, uncached, window, texts;  // chars/s of each round
    std::vector<double> cpu_cached, cpu_uncached, cpu_window, cpu_texts;  // chars per CPU second
    std::vector<double> texts_ratio;  // d/a of each round
    const int T = cfg.ctx, restarts = count_restarts(o.tokens, T);
    const int keep[3] = {std::max(T / 4, 1), std::max(T / 2, 1), std::max(3 * T / 4, 1)};
    std::vector<double> prefills[3];  // seconds of one prefill of keep[i] ids, each round
    bool same_text = true, first_text = true;  // a == b; (d)'s first text == a
    for (int r = 0; r < o.rounds; r++) {
        auto t0 = std::chrono::steady_clock::now();
        std::clock_t c0 = std::clock();
        opt.cache = true;
        const std::string a = generate(model, vocab, "", opt);
        cached.push_back(o.tokens / seconds_since(t0));
        cpu_cached.push_back(o.tokens / cpu_seconds_since(c0));
        t0 = std::chrono::steady_clock::now();
        c0 = std::clock();
        const std::vector<std::string> d = generate_texts(model, vocab, "", opt, o.samples);
        texts.push_back(double(o.samples) * o.tokens / seconds_since(t0));
        cpu_texts.push_back(double(o.samples) * o.tokens / cpu_seconds_since(c0));
        texts_ratio.push_back(texts.back() / cached.back());
        first_text = first_text && d.front() == a;
        for (int i = 0; i < 3; i++) prefills[i].push_back(prefill_seconds(model, keep[i]));
        t0 = std::chrono::steady_clock::now();
        c0 = std::clock();
        opt.cache = false;
        const std::string b = generate(model, vocab, "", opt);
        uncached.push_back(o.tokens / seconds_since(t0));
        cpu_uncached.push_back(o.tokens / cpu_seconds_since(c0));
        t0 = std::chrono::steady_clock::now();
        c0 = std::clock();
        sample_full_window(model, newline, opt, V);
        window.push_back(o.tokens / seconds_since(t0));
        cpu_window.push_back(o.tokens / cpu_seconds_since(c0));
        same_text = same_text && a == b;
    }
    const double ca = median(cached), cb = median(uncached), cc = median(window);
    const double pa = median(cpu_cached), pb = median(cpu_uncached), pc = median(cpu_window);
    const double cd = median(texts), pd = median(cpu_texts), da = median(texts_ratio);
    const auto [da_min, da_max] = std::minmax_element(texts_ratio.begin(), texts_ratio.end());
    // The restarts: their share of (a), and (a) under the other rules, from one decode time.
    double prefill[3];
    for (int i = 0; i < 3; i++) prefill[i] = median(prefills[i]);
    const double prefill_share = restarts * prefill[1] / (o.tokens / ca);
    const double decode_s = (1 - prefill_share) / ca;  // one character, one position, no prefill
    double policy[3];  // chars/s if the restart kept keep[i] ids
    for (int i = 0; i < 3; i++)
        policy[i] = (T - keep[i]) / ((T - keep[i]) * decode_s + prefill[i]);
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
                            {"cached_chars_per_cpu_s", pa}, {"no_cache_chars_per_cpu_s", pb},
                            {"full_window_chars_per_cpu_s", pc},
                            {"restarts", restarts},     {"prefill_ms", prefill[1] * 1e3},
                            {"prefill_share", prefill_share},
                            {"keep_quarter_chars_per_s", policy[0]},
                            {"keep_three_quarters_chars_per_s", policy[2]},
                            {"samples", o.samples},     {"samples_chars_per_s", cd},
                            {"samples_chars_per_cpu_s", pd}, {"samples_over_cached", da},
                            {"samples_over_cached_min", *da_min}, {"samples_over_cached_max", *da_max},
                            {"samples_first_text_same", first_text},
                            {"blas_core", blas.core}});
        fmt::print("{}\n", j);
        return;
    }
    fmt::print("glulab bench --sample  ffn {}  L {}  C {}  NH {}  T {}  V {}  threads {}{}  OpenBLAS {}\n",
               ffn_kind_name(cfg.ffn), cfg.layers, cfg.d_model, cfg.heads, cfg.ctx, V, threads,
               o.threads > 0 ? "" : " (as glulab sample chose it)", blas.core);
    fmt::print("  median of {} rounds of {} characters each (per text), the paths in turn\n", o.rounds, o.tokens);
    fmt::print("  (a) cached       {:>9.0f} chars/s   key-value cache, one new position per character\n", ca);
    fmt::print("  (b) --no-cache   {:>9.0f} chars/s   the whole context per character, same restarts\n", cb);
    fmt::print("  (c) full window  {:>9.0f} chars/s   a forward over the last T ids per character (before the cache)\n", cc);
    fmt::print("  {:<17}{:>9.0f} chars/s   --num-samples {}: the texts in one pass, cached\n",
               fmt::format("(d) {} texts", o.samples), cd, o.samples);
    fmt::print("  a/c {:.1f}x   a/b {:.1f}x   same text cached and --no-cache: {}\n", ca / cc, ca / cb,
               same_text ? "yes" : "NO");
    fmt::print("  d/a {:.2f}x (median of the rounds' ratios; {:.2f} to {:.2f})   (d)'s first text is (a)'s: {}\n", da,
               *da_min, *da_max, first_text ? "yes" : "NO");
    fmt::print("  per CPU second (all threads): (a) {:.0f}  (b) {:.0f}  (c) {:.0f}  (d) {:.0f} chars   a/c {:.1f}x   a/b {:.1f}x"
               "   d/a {:.2f}x\n", pa, pb, pc, pd, pa / pc, pa / pb, pd / pa);
    fmt::print("  restarts: (a) made {} prefills of T/2 = {} ids, {:.3f} ms each: {:.0f}% of its time\n", restarts,
               keep[1], prefill[1] * 1e3, 100 * prefill_share);
    fmt::print("  (a) if a restart kept K ids:  K {} {:.0f} chars/s   K {} {:.0f} (the rule)   K {} {:.0f}\n", keep[0],
               policy[0], keep[1], policy[1], keep[2], policy[2]);
}

}  // namespace glulab
