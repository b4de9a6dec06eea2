// kv_cache.cpp — the cached forward of a sampler (see kv_cache.hpp).
//
// Lesson 12 · training
#include "glulab/nn/kv_cache.hpp"

#include "glulab/autograd/autograd.hpp"

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

Tensor forward_cached(Transformer& model, Tape& tape, const int* ids, int n, KvCache& cache) {
    const ModelConfig& cfg = model.config();
    GLULAB_CHECK(!tape.recording(), "wrap the call in NoGrad", "forward_cached records no gradients");
    GLULAB_CHECK(cache.ctx == cfg.ctx && cache.kv.size() == static_cast<size_t>(cfg.layers) * cfg.ctx * 2 * cfg.d_model,
                 "make the cache from this model's config", "forward_cached: the cache does not fit the model");
    GLULAB_CHECK(n >= 1 && cache.length + n <= cfg.ctx, "clear the cache and start again from a shorter context",
                 "forward_cached: {} cached + {} new positions exceed ctx = {}", cache.length, n, cfg.ctx);
    const int C = cfg.d_model, NH = cfg.heads, pos = cache.length;
    const Shape rows{1, n};
    Tensor x = add(tape, model.wte(tape, ids, rows), model.wpe(tape, cache.positions.data() + pos, rows));
    float* scores = tape.scratch(static_cast<size_t>(NH) * n * (pos + n));
    for (size_t l = 0; l < model.blocks.size(); l++) {
        Block& block = model.blocks[l];
        Tensor q_k_v = block.attn.qkv(tape, block.attn_norm(tape, x));  // (1, n, 3C)
        Tensor y = tape.new_tensor(Shape{1, n, C}, false);
        float* kv = cache.kv.data() + l * static_cast<size_t>(cfg.ctx) * 2 * C;
        attention_cached_forward(y.data, scores, kv, q_k_v.data, pos, n, C, NH);
        if (l + 1 == model.blocks.size()) x = last_row(x), y = last_row(y);  // only its logits count
        x = add(tape, x, block.attn.proj(tape, y));
        x = add(tape, x, block.ffn(tape, block.ffn_norm(tape, x)));
    }
    cache.length += n;
    return model.lm_head(tape, model.norm_f(tape, x));  // (1, 1, V): the last position's
}

}  // namespace glulab
