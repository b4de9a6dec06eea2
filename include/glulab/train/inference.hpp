// inference.hpp — using a trained model: the loss on a text, and sampling new text.
//
// Both run inside NoGrad: nothing is recorded, and the only memory used per token is the
// tape's activation arena, reused from one forward to the next (and, for sampling, the
// KvCache of kv_cache.hpp, made once).
//
// Lesson 12 · training
#pragma once

#include "glulab/train/data.hpp"
#include "glulab/nn/model.hpp"
#include "glulab/platform/rng.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace glulab {

// The mean cross-entropy of `model` on `text`, cut into consecutive, non-overlapping windows
// of T + 1 ids starting at 0: window k has inputs ids[kT .. kT+T) and targets ids[kT+1 ..
// kT+T+1). Only full windows count. A character outside the vocabulary is an error naming it.
struct TextEval {
    double loss = 0;           // nats per character
    double bits_per_char = 0;  // loss / ln 2
    int64_t windows = 0;
    int64_t tokens = 0;        // predicted positions = windows * T
};
// on_progress(windows done, windows), when given, hears after every batch of windows.
TextEval evaluate_text(Transformer& model, const Vocab& vocab, const std::string& text,
                       const std::function<void(int64_t, int64_t)>& on_progress = {});

struct SampleOptions {
    int tokens = 500;          // characters to generate, e.g. 500
    float temperature = 1.0f;  // logits are divided by it, e.g. 0.8; > 0 (tiny: greedy, the argmax)
    int top_k = 0;             // keep only the k most likely characters, e.g. 40; 0 = all
    uint64_t seed = 1337;      // e.g. 1337: same seed, same text
    bool cache = true;         // keep keys and values (kv_cache.hpp); false recomputes all
};
// The draw of one next token from a row of logits (V), by the rule of inference.cpp →
// TokenSampler::next: temperature, top-k, softmax, one uniform draw from Rng(seed). Holds its
// buffers, so a draw allocates nothing. Both sampling paths and the sampling benchmark use it.
class TokenSampler {
public:
    TokenSampler(int V, const SampleOptions& options);
    // `position` only names the place in an error (a logit that is NaN or infinite).
    int next(const float* logits, int position);

private:
    SampleOptions opt_;
    Rng rng_;
    std::vector<float> p_;
    std::vector<int> order_;
};

// Where the context starts: `start` while the ids[start .. size) fit in T; past T, the last
// T/2 ids (at least 1). Both sampling paths use it, so they see the same contexts.
size_t sample_context_start(size_t start, size_t size, int T);
// Continues `prompt` (encoded with `vocab`; "" starts from a newline, or id 0 if the
// vocabulary has none), calling on_text with each new character as UTF-8. Returns the whole
// generated text (without the prompt).
std::string generate(Transformer& model, const Vocab& vocab, const std::string& prompt,
                     const SampleOptions& options,
                     const std::function<void(const std::string&)>& on_text = {});
// `count` continuations of `prompt` in one pass (glulab sample --num-samples): text i draws
// with the seed sample_seed(options.seed, i), and is exactly the text generate() makes alone
// with that seed (kv_cache.hpp → forward_cached of several texts). on_text(i, character) hears
// each new character of text i. generate() is this with count = 1.
std::vector<std::string> generate_texts(Transformer& model, const Vocab& vocab, const std::string& prompt,
                                        const SampleOptions& options, int count,
                                        const std::function<void(int, const std::string&)>& on_text = {});
// The seed of text i of generate_texts: seed + i (modulo 2^64), so `--seed S --num-samples N`
// prints the texts of --seed S, S + 1, ..., S + N - 1.
inline uint64_t sample_seed(uint64_t seed, int i) { return seed + static_cast<uint64_t>(i); }

// The thread count for sampling with `options`: `requested` when > 0, OMP_NUM_THREADS when
// set, otherwise measured (platform/threads.hpp → choose_threads). With the cache the probe is
// the sampler's own work, T + T/2 characters of `prompt` (the context's growth, one restart
// and its prefill), at 1 thread and at all of them: one-row products gain less from a second
// thread than a training step does, and lose as much when a core is busy. --no-cache runs
// forwards over up to T rows, like a training step: the step-shaped probe.
int choose_sample_threads(int requested, Transformer& model, const Vocab& vocab, const std::string& prompt,
                          const SampleOptions& options);

}  // namespace glulab
