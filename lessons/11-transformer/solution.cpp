// Lesson 11 · reference solution of the exercise (CI runs the lesson's tests against it).
#include "exercise.hpp"

namespace lesson11 {

glulab::ParamCounts count_params(const glulab::ModelConfig& cfg) {
    const int64_t V = cfg.vocab_size, T = cfg.ctx, L = cfg.layers, C = cfg.d_model;
    const int64_t H = cfg.ffn_hidden();
    const int64_t ffn_matrices = glulab::is_gated(cfg.ffn) ? 3 : 2;  // up, (gate,) down
    glulab::ParamCounts c;
    c.embeddings = V * C + T * C;             // wte (V, C), wpe (T, C)
    c.attention = L * (3 * C * C + C * C);    // qkv (3C, C), proj (C, C)
    c.ffn = L * ffn_matrices * H * C;         // each (H, C) or (C, H)
    c.norms = (2 * L + 1) * C;                // attn_norm, ffn_norm per block; norm_f
    c.head = V * C;                           // lm_head (V, C), not tied to wte
    c.total = c.embeddings + c.attention + c.ffn + c.norms + c.head;
    return c;
}

// Outside the blocks: wte, wpe, their add, norm_f, lm_head = 5 nodes. Per block: attn_norm,
// qkv, attention, proj, add (5), ffn_norm, up (or up and gate as one matmul), activation (or
// glu), down, add (5), plus one dropout node after each sublayer when dropout is on (in
// training mode).
// Linear layers have no bias by default, so each is one matmul node.
int64_t forward_node_count(const glulab::ModelConfig& cfg) {
    // Plain: up, act, down. Gated: one matmul for up and gate together, glu, down. Three either way.
    const int64_t ffn = 3;
    const int64_t per_block = 5 + 2 + ffn + (cfg.dropout > 0 ? 2 : 0);
    return 5 + cfg.layers * per_block;
}

}  // namespace lesson11
