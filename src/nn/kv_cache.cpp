// kv_cache.cpp — the cached forward of a sampler (see kv_cache.hpp).
//
// Lesson 12 · training
#include "glulab/nn/kv_cache.hpp"

#include "glulab/autograd/autograd.hpp"

#include <algorithm>
#include <numeric>

namespace glulab {

KvCache::KvCache(const ModelConfig& cfg)
    : kv(static_cast<size_t>(cfg.layers) * cfg.ctx * 2 * cfg.d_model),
      positions(static_cast<size_t>(cfg.ctx)),
      ctx(cfg.ctx) {
    std::iota(positions.begin(), positions.end(), 0);
}

// forward_cached
// --------------
// The diagram of Transformer::forward for the n new rows only; attention is the one layer that
// looks at other positions, and it finds them in the cache:
//
//     x = wte[ids] + wpe[length .. length+n)                 (1, n, C)
//     per block l:
//         qkv = attn.qkv(attn_norm(x))                       (1, n, 3C)
//         x = x + attn.proj(cached attention(qkv, kv_l))     keys, values of 0 .. length+n
//         x = x + ffn(ffn_norm(x))
//     logits = lm_head(norm_f(x[last]))                      (1, 1, V)
//
// Only the last position's logits are used (they predict the next id), so after the last
// block's attention everything runs on the last row: its projection, its FFN, norm_f and
// lm_head. The other rows of the last block are needed only for their keys and values, which
// qkv has already made. For a prefill of n = T/2 = 32 ids in the default model that leaves out
// 31 rows of one block's proj and FFN and of lm_head: a fifth of the prefill's products.
namespace {
// The last row (1, 1, C) of x (1, n, C): the same memory, no copy (inference only).
Tensor last_row(Tensor x) {
    x.data += (x.rows() - 1) * x.cols();
    x.shape = Shape{1, 1, x.cols()};
    return x;
}
}  // namespace

// Several texts in one pass
// --------------------------
// B texts, each with its own cache, are B independent forwards. Stacking their new rows into
// one (B, n, C) matrix would turn each layer's B one-row products into one sgemm, but OpenBLAS
// does not promise a row the same bits at every M: measured with 0.3.21 (docs/performance.md
// → "Several texts in one pass"), a row changes with the number of rows beside it on most of
// its cores (from M = 2 on Prescott, M = 4 on Haswell and Zen, M = 2 to 10 on SkylakeX and
// Cooperlake, by shape), and a one-row sgemm never equals sgemv. Text b would then not be the
// text it is alone. So the loop over texts sits inside the loop over layers: per block, every
// text's attention sub-layer, then every text's FFN, each text meeting the very calls on the
// very shapes it meets alone (its products stay one-row products: gemm sends them to sgemv).
// Equality holds by construction, on any BLAS. What the texts share is the weights: a
// sub-layer's matrices (260 KiB and 530 KiB in the default model) come from memory for the
// first text and from the processor's cache for the others.
Tensor forward_cached(Transformer& model, Tape& tape, const int* ids, int n, KvCache& cache) {
    Tensor logits;
    forward_cached(model, tape, std::span(&ids, 1), n, std::span(&cache, 1), std::span(&logits, 1));
    return logits;
}

void forward_cached(Transformer& model, Tape& tape, std::span<const int* const> ids, int n,
                    std::span<KvCache> caches, std::span<Tensor> logits) {
    const ModelConfig& cfg = model.config();
    const size_t B = caches.size();
    GLULAB_CHECK(!tape.recording(), "wrap the call in NoGrad", "forward_cached records no gradients");
    GLULAB_CHECK(B >= 1 && ids.size() == B && logits.size() == B, "give each text its ids, its cache and its logits",
                 "forward_cached: {} id lists, {} caches and {} logits", ids.size(), B, logits.size());
    int longest = 0;  // the longest cache: the attention scores' scratch fits every text
    for (const KvCache& cache : caches) {
        GLULAB_CHECK(cache.ctx == cfg.ctx && cache.kv.size() == static_cast<size_t>(cfg.layers) * cfg.ctx * 2 * cfg.d_model,
                     "make the cache from this model's config", "forward_cached: the cache does not fit the model");
        GLULAB_CHECK(n >= 1 && cache.length + n <= cfg.ctx, "clear the cache and start again from a shorter context",
                     "forward_cached: {} cached + {} new positions exceed ctx = {}", cache.length, n, cfg.ctx);
        longest = std::max(longest, cache.length);
    }
    const int C = cfg.d_model, NH = cfg.heads;
    const Shape rows{1, n};
    std::span<Tensor> x = logits;  // text b's residual stream (1, n, C) until its logits replace it
    for (size_t b = 0; b < B; b++)
        x[b] = add(tape, model.wte(tape, ids[b], rows), model.wpe(tape, caches[b].positions.data() + caches[b].length, rows));
    float* scores = tape.scratch(static_cast<size_t>(NH) * n * (longest + n));
    for (size_t l = 0; l < model.blocks.size(); l++) {
        Block& block = model.blocks[l];
        const bool last = l + 1 == model.blocks.size();  // only its last row's logits count
        for (size_t b = 0; b < B; b++) {
            Tensor q_k_v = block.attn.qkv(tape, block.attn_norm(tape, x[b]));  // (1, n, 3C)
            Tensor y = tape.new_tensor(Shape{1, n, C}, false);
            float* kv = caches[b].kv.data() + l * static_cast<size_t>(cfg.ctx) * 2 * C;
            attention_cached_forward(y.data, scores, kv, q_k_v.data, caches[b].length, n, C, NH);
            if (last) x[b] = last_row(x[b]), y = last_row(y);
            x[b] = add(tape, x[b], block.attn.proj(tape, y));
        }
        for (size_t b = 0; b < B; b++) x[b] = add(tape, x[b], block.ffn(tape, block.ffn_norm(tape, x[b])));
    }
    for (size_t b = 0; b < B; b++) {
        caches[b].length += n;
        logits[b] = model.lm_head(tape, model.norm_f(tape, x[b]));  // (1, 1, V): the last position's
    }
}

}  // namespace glulab
