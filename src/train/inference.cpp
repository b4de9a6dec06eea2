// inference.cpp — evaluating a text and sampling from a model (see inference.hpp).
//
// Lesson 12 · training
#include "glulab/train/inference.hpp"

#include "glulab/nn/kv_cache.hpp"
#include "glulab/ops/speed.hpp"
#include "glulab/platform/threads.hpp"
#include "glulab/platform/rng.hpp"
#include "glulab/core/tape.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace glulab {

TextEval evaluate_text(Transformer& model, const Vocab& vocab, const std::string& text,
                       const std::function<void(int64_t, int64_t)>& on_progress) {
    const std::vector<int> ids = vocab.encode(text);
    const int T = model.config().ctx;
    TextEval r;
    r.windows = ids.size() > 0 ? static_cast<int64_t>(ids.size() - 1) / T : 0;
    GLULAB_CHECK(r.windows > 0, "give a longer text, or a model with a shorter context",
                 "the text has {} characters: fewer than one window of T + 1 = {}", ids.size(), T + 1);
    r.tokens = r.windows * T;
    // Windows go through the model in batches of up to 16; window k starts at ids[k T].
    const int64_t per_batch = 16;
    std::vector<int> inputs(static_cast<size_t>(per_batch * T)), targets(inputs.size());
    Tape tape;
    NoGrad off(tape);
    double total = 0;  // sum over windows of (mean loss of the window's batch * its windows)
    for (int64_t k0 = 0; k0 < r.windows; k0 += per_batch) {
        const int B = static_cast<int>(std::min(per_batch, r.windows - k0));
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++) {
                const size_t at = static_cast<size_t>((k0 + b) * T + t);
                inputs[static_cast<size_t>(b * T + t)] = ids[at];
                targets[static_cast<size_t>(b * T + t)] = ids[at + 1];
            }
        tape.reset();
        total += double(model.loss(tape, inputs.data(), targets.data(), B, T).data[0]) * B;
        if (on_progress) on_progress(k0 + B, r.windows);
    }
    r.loss = total / static_cast<double>(r.windows);
    r.bits_per_char = r.loss / std::log(2.0);
    return r;
}

// Sampling
// --------
// At each position: logits of the last context position (V), shifted by their maximum, then
// divided by the temperature t: p_i ~ exp((l_i - max l) / t). The shift comes first, so any
// t > 0 is defined: as t -> 0 every logit below the maximum goes to -inf and the draw becomes
// greedy decoding (the argmax; ties shared uniformly), which is what a tiny t like 1e-45 gives.
// With top-k, every logit below the k-th largest is dropped; softmax; one draw from the
// resulting distribution. Logits that are NaN or infinite (a diverged model) are an error, not
// a distribution.
//
// The context. The model has learned positions 0 .. T-1 only (wpe), so it sees at most T ids.
// The context starts at `start` and grows by one id per character; when it would pass T, it
// starts again from the last T/2 ids (sample_context_start). With the cache (the default), that
// restart clears the cache and one forward of those T/2 ids fills it again; until the next
// restart every character costs one position. Without it (--no-cache), every character runs
// the whole context through the model. Both follow the same rule, so the same seed gives the
// same text (tests/test_kv_cache.cpp). A window that slid by one id per character would need
// every key again at a new position: no cache could be reused.
TokenSampler::TokenSampler(int V, const SampleOptions& options)
    : opt_(options), rng_(options.seed), p_(static_cast<size_t>(V)), order_(static_cast<size_t>(V)) {}

int TokenSampler::next(const float* last, int position) {
    const int V = static_cast<int>(p_.size());
    std::vector<float>& p = p_;
    float top = last[0];
    for (int v = 0; v < V; v++) {
        GLULAB_CHECK(std::isfinite(last[v]), "the checkpoint's weights may have diverged (NaN or inf)",
                     "the model's logit for token {} is {} at position {}", v, last[v], position);
        top = std::max(top, last[v]);
    }
    for (int v = 0; v < V; v++) p[static_cast<size_t>(v)] = (last[v] - top) / opt_.temperature;
    if (opt_.top_k > 0 && opt_.top_k < V) {
        std::iota(order_.begin(), order_.end(), 0);
        std::nth_element(order_.begin(), order_.begin() + (opt_.top_k - 1), order_.end(),
                         [&](int a, int b) { return p[static_cast<size_t>(a)] > p[static_cast<size_t>(b)]; });
        const float kth = p[static_cast<size_t>(order_[static_cast<size_t>(opt_.top_k - 1)])];
        for (float& x : p)
            if (x < kth) x = -INFINITY;
    }
    const float mx = *std::max_element(p.begin(), p.end());
    double z = 0;
    for (float& x : p) z += (x = std::exp(x - mx));
    double u = rng_.uniform() * z;
    for (int v = 0; v < V; v++) {
        u -= p[static_cast<size_t>(v)];
        if (u < 0) return v;
    }
    return V - 1;
}

size_t sample_context_start(size_t start, size_t size, int T) {
    if (size - start <= static_cast<size_t>(T)) return start;
    return size - static_cast<size_t>(std::max(T / 2, 1));
}

std::string generate(Transformer& model, const Vocab& vocab, const std::string& prompt,
                     const SampleOptions& opt, const std::function<void(const std::string&)>& on_text) {
    std::function<void(int, const std::string&)> each;
    if (on_text) each = [&on_text](int, const std::string& ch) { on_text(ch); };
    return generate_texts(model, vocab, prompt, opt, 1, each).front();
}

// Several texts: each has its own ids, TokenSampler (seeded by sample_seed) and cache, and the
// cached forward takes them all in one pass (kv_cache.cpp → "Several texts in one pass"). They
// all have the same length at every step (the prompt, then one character each), so they
// restart together and one `start` serves them all. --no-cache runs their forwards in turn.
std::vector<std::string> generate_texts(Transformer& model, const Vocab& vocab, const std::string& prompt,
                                        const SampleOptions& opt, int count,
                                        const std::function<void(int, const std::string&)>& on_text) {
    GLULAB_CHECK(opt.temperature > 0 && std::isfinite(opt.temperature), "try --temperature 0.8",
                 "temperature must be a finite number > 0, got {}", opt.temperature);
    GLULAB_CHECK(opt.top_k >= 0, "0 keeps every character", "top-k must be >= 0, got {}", opt.top_k);
    GLULAB_CHECK(opt.tokens >= 0, "", "the number of tokens must be >= 0, got {}", opt.tokens);
    GLULAB_CHECK(count >= 1, "e.g. --num-samples 8", "the number of samples must be >= 1, got {}", count);
    std::vector<int> prompt_ids = vocab.encode(prompt);
    if (prompt_ids.empty()) {
        int newline = -1;
        for (int i = 0; i < vocab.size(); i++)
            if (vocab.code_point(i) == U'\n') newline = i;
        prompt_ids.push_back(newline >= 0 ? newline : 0);
    }
    const int T = model.config().ctx, V = vocab.size();
    const size_t B = static_cast<size_t>(count);
    std::vector<std::vector<int>> ids(B, prompt_ids);  // text b's ids, the prompt's first
    std::vector<TokenSampler> samplers;
    for (int b = 0; b < count; b++) {
        SampleOptions own = opt;
        own.seed = sample_seed(opt.seed, b);
        samplers.emplace_back(V, own);
    }
    Tape tape;
    NoGrad off(tape);
    std::vector<KvCache> caches(opt.cache ? B : 0, KvCache(model.config()));
    std::vector<const int*> new_ids(B);  // where each text's uncached ids start
    std::vector<Tensor> logits(B);       // (1, rows, V): the last row predicts the next id (cached: rows = 1)
    size_t start = 0, cached_from = 0;   // the context is ids[b][start ..); the caches hold ids[b][cached_from ..)
    std::vector<std::string> generated(B);
    for (int n = 0; n < opt.tokens; n++) {
        start = sample_context_start(start, ids[0].size(), T);
        const int len = static_cast<int>(ids[0].size() - start);
        tape.reset();
        if (opt.cache) {
            if (cached_from != start) {
                for (KvCache& cache : caches) cache.clear();
                cached_from = start;
            }
            const int have = caches[0].length;
            for (size_t b = 0; b < B; b++) new_ids[b] = ids[b].data() + start + have;
            forward_cached(model, tape, new_ids, len - have, caches, logits);
        } else {
            for (size_t b = 0; b < B; b++) logits[b] = model.forward(tape, ids[b].data() + start, 1, len);
        }
        for (size_t b = 0; b < B; b++) {
            const int next = samplers[b].next(logits[b].data + static_cast<int64_t>(logits[b].rows() - 1) * V, n);
            ids[b].push_back(next);
            std::string ch;
            append_utf8(ch, vocab.code_point(next));
            generated[b] += ch;
            if (on_text) on_text(static_cast<int>(b), ch);
        }
    }
    return generated;
}

int choose_sample_threads(int requested, Transformer& model, const Vocab& vocab, const std::string& prompt,
                          const SampleOptions& options) {
    if (!options.cache) return choose_threads(requested, step_probe);
    SampleOptions probe = options;
    probe.tokens = model.config().ctx + model.config().ctx / 2;
    return choose_threads(requested, [&] { generate(model, vocab, prompt, probe); });
}

}  // namespace glulab
