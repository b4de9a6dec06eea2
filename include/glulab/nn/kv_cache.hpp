// kv_cache.hpp — the model's forward for sampling: each layer's keys and values kept, so a new
// character costs one position instead of the whole context.
//
// Without a cache, a sampler runs the model on the whole context for every new character:
// positions 0 .. len-1 again and again, although only the last one is new. With causal
// attention nothing at position j depends on what comes after it, so every layer's k_j and v_j
// are the same in every later forward. KvCache keeps them; forward_cached runs only the new
// positions through the model and lets their queries attend to the cached keys and values
// (src/ops/attention.cpp → attention_cached_forward).
//
// Memory: per layer, T rows of k and v, 2 C floats each: L * T * 2C floats in all. The default
// model (L 4, T 64, C 128) keeps 65,536 floats, 256 KiB; a medium one (L 6, T 256, C 384)
// 1,179,648 floats, 4.5 MiB. The cost grows with the context: that is the price of the speed.
//
// The cache holds at most T positions, because the model has learned positions (wpe) only for
// 0 .. T-1. What a sampler does when the text grows past T is its choice (inference.cpp).
//
// Several texts at once (glulab sample --num-samples N): one cache per text, and forward_cached
// takes them all in one pass, layer by layer, so each layer's weights are read from memory once
// for all N texts and from the processor's cache for the others (kv_cache.cpp).
//
// Lesson 12 · training
#pragma once

#include "glulab/nn/model.hpp"

#include <cstddef>
#include <span>
#include <vector>

namespace glulab {

struct KvCache {
    explicit KvCache(const ModelConfig& cfg);  // empty, with room for T positions

    std::vector<float> kv;       // (L, T, 2C): layer l, row j = [k_j (C), v_j (C)]
    std::vector<int> positions;  // (T): 0, 1, ..., T-1, the ids for wpe
    int length = 0;              // positions held, 0 .. T
    int ctx = 0;                 // T

    void clear() { length = 0; }
    size_t bytes() const { return kv.size() * sizeof(float); }
};

// ids (n) are the next n tokens of the cached text, at positions length .. length+n-1
// (length + n <= T). Runs them through the model, appends their keys and values to the cache
// and returns the logits of the last of them (1, 1, V), the same numbers as the last row of
// model.forward(all length + n tokens). Inside NoGrad only.
Tensor forward_cached(Transformer& model, Tape& tape, const int* ids, int n, KvCache& cache);
// The same for B texts in one pass: ids[b] (n) are the next n tokens of text b, whose keys and
// values are in caches[b]; logits[b] receives its (1, 1, V). Text b meets the same calls on the
// same shapes as it would alone, so its logits are bit for bit forward_cached's on it alone
// (the one-text overload above is this with B = 1).
void forward_cached(Transformer& model, Tape& tape, std::span<const int* const> ids, int n,
                    std::span<KvCache> caches, std::span<Tensor> logits);

}  // namespace glulab
