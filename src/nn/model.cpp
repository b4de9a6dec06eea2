// model.cpp — the transformer block and the model: declaration, initialisation, forward, loss.
//
// Contains: Block::declare and its forward, Transformer's constructor, declare, init, forward,
// loss and ffn_up_gate. Leaves out: the layers (layers.cpp, attention.cpp, ffn.cpp), the
// parameter table (param_table.cpp), training (optim.hpp, data.hpp).
//
// Lesson 11 · the transformer block and the model
#include "glulab/nn/model.hpp"

#include <algorithm>
#include <cmath>

namespace glulab {

// Block
// -----
// Pre-norm: each sub-layer sees a normalised copy of the residual stream x and adds its result
// back, so x itself is only ever added to. Dropout, when on, drops from what a sub-layer adds,
// never from the stream.
void Block::declare(ParamStore& ps, const std::string& name, const ModelConfig& cfg) {
    attn_norm.declare(ps, name + ".attn_norm", cfg.norm, cfg.d_model);
    attn.declare(ps, name + ".attn", cfg.d_model, cfg.heads);
    ffn_norm.declare(ps, name + ".ffn_norm", cfg.norm, cfg.d_model);
    ffn.declare(ps, name + ".ffn", cfg.ffn, cfg.d_model, cfg.ffn_hidden());
}

Tensor Block::operator()(Tape& tape, Tensor x, float dropout_p, Rng& seeds, int64_t first) {
    auto drop = [&](Tensor t) {
        return dropout_p > 0 ? dropout(tape, t, dropout_p, seeds.next_u64(), first) : t;
    };
    x = add(tape, x, drop(attn(tape, attn_norm(tape, x))));  // x = x + attn(norm(x))
    x = add(tape, x, drop(ffn(tape, ffn_norm(tape, x))));    // x = x + ffn(norm(x))
    residual_out = x;  // kept for activation telemetry
    return x;
}

// Transformer
// -----------
// The two-pass declaration of params.hpp: declare() names every parameter and its shape,
// allocate() makes the flat arrays, declare() again binds each layer's views into them.
Transformer::Transformer(const ModelConfig& cfg) : cfg_(cfg) {
    cfg_.validate();
    ffn_hidden_ = cfg_.ffn_hidden();
    blocks.resize(static_cast<size_t>(cfg_.layers));
    declare();
    params_.allocate();
    declare();
    params_.finish_binding();
}

Transformer::Transformer(const ModelConfig& cfg, DeclareOnly) : cfg_(cfg) {
    cfg_.validate();
    ffn_hidden_ = cfg_.ffn_hidden();
    blocks.resize(static_cast<size_t>(cfg_.layers));
    declare();
}

std::vector<ParamEntry> Transformer::declared_params(const ModelConfig& cfg) {
    return Transformer(cfg, DeclareOnly{}).params_.entries();
}

// The order here is the order of the parameter table, of the flat arrays and of a checkpoint.
void Transformer::declare() {
    const int V = cfg_.vocab_size, T = cfg_.ctx, C = cfg_.d_model;
    wte.declare(params_, "wte", V, C);
    wpe.declare(params_, "wpe", T, C);
    for (size_t l = 0; l < blocks.size(); l++)
        blocks[l].declare(params_, fmt::format("blocks.{}", l), cfg_);
    norm_f.declare(params_, "norm_f", cfg_.norm, C);
    lm_head.declare(params_, "lm_head", C, V);
}

// init
// ----
// GPT-2's scheme. Every matrix and embedding is N(0, 0.02). The two projections that write into
// the residual stream, attn.proj and ffn.down, get 0.02 / sqrt(2 L): the stream is a sum of
// 2 L such contributions, and scaling each by 1/sqrt(2 L) keeps the variance of that sum
// independent of depth. Gains start at 1 and layernorm's biases at 0, so each norm starts as a
// plain normalisation.
//
// The values are drawn from one Rng(seed), tensor after tensor in declaration order, element
// after element in row-major order; gains and biases draw nothing.
void Transformer::init(uint64_t seed) {
    Rng rng(seed);
    const float std = 0.02f;
    const float residual_std = 0.02f / std::sqrt(2.0f * static_cast<float>(cfg_.layers));
    auto fill_normal = [&](Tensor w, float s) {
        for (int64_t i = 0; i < w.numel(); i++) w.data[i] = s * static_cast<float>(rng.normal());
    };
    auto normal = [&](const Linear& layer, float s) {
        fill_normal(layer.weight, s);
        if (layer.bias.data) std::fill_n(layer.bias.data, layer.bias.numel(), 0.0f);
    };
    auto normal_table = [&](const Embedding& table) { fill_normal(table.weight, std); };
    auto ones = [](const Norm& n) {
        std::fill_n(n.weight.data, n.weight.numel(), 1.0f);
        if (n.bias.data) std::fill_n(n.bias.data, n.bias.numel(), 0.0f);
    };

    normal_table(wte);
    normal_table(wpe);
    for (const Block& b : blocks) {
        ones(b.attn_norm);
        normal(b.attn.qkv, std);
        normal(b.attn.proj, residual_std);
        ones(b.ffn_norm);
        normal(b.ffn.up, std);
        if (is_gated(b.ffn.kind)) normal(b.ffn.gate, std);
        normal(b.ffn.down, residual_std);
    }
    ones(norm_f);
    normal(lm_head, std);
    dropout_seed_ = seed ^ 0xD50F0D50F0D50F0Dull;  // its own stream, fixed by the seed
}

// The position ids (B, T) for wpe: pos[b, t] = t. Kept in a buffer that grows to the largest
// B*T seen, so later steps reuse it. The embedding node recorded on the tape points into it,
// so it must not move while a recorded node still needs it.
const int* Transformer::positions(Tape& tape, int B, int T) {
    const size_t n = static_cast<size_t>(B) * static_cast<size_t>(T);
    if (positions_.size() < n) {
        for (const Node& node : tape.nodes())
            GLULAB_CHECK(node.ids != positions_.data(), "call tape.reset() between steps",
                         "forward with B*T = {} needs a larger position buffer, but the tape "
                         "still holds a node that reads the old one", n);
        positions_.resize(n);
    }
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) positions_[static_cast<size_t>(b * T + t)] = t;
    return positions_.data();
}

// forward
// -------
// idx (B, T) -> logits (B, T, V). Every (B, T, C) tensor below is a row-major block of B*T
// rows, which is how the matmuls see it: no reshapes, no copies.
Tensor Transformer::forward(Tape& tape, const int* idx, int B, int T) {
    GLULAB_CHECK(idx != nullptr && B > 0, "pass a (B, T) block of token ids",
                 "forward: idx = {}, B = {}", static_cast<const void*>(idx), B);
    GLULAB_CHECK(T >= 1 && T <= cfg_.ctx, "the model has one position embedding per position",
                 "forward: T = {} must lie in [1, ctx = {}]", T, cfg_.ctx);
    const float p = training_ ? cfg_.dropout : 0.0f;  // dropout in training mode only
    Rng dropout_seeds(dropout_seed_);  // the same masks for every forward until the next reseed
    const int64_t first = int64_t{first_row_} * T * cfg_.d_model;  // x[0]'s place in the batch

    Tensor x = add(tape, wte(tape, idx, Shape{B, T}),               // (B, T, C) token
                   wpe(tape, positions(tape, B, T), Shape{B, T}));  //         + position
    for (Block& block : blocks) x = block(tape, x, p, dropout_seeds, first);
    logits_out_ = lm_head(tape, norm_f(tape, x));  // (B, T, V)
    return logits_out_;
}

// loss
// ----
// Mean over all B*T positions of -log softmax(logits)[target]: the cross_entropy op sees the
// (B, T, V) logits as B*T rows of V.
Tensor Transformer::loss(Tape& tape, const int* idx, const int* targets, int B, int T) {
    GLULAB_CHECK(targets != nullptr, "pass a (B, T) block of target ids", "loss: targets is null");
    return cross_entropy(tape, forward(tape, idx, B, T), targets);
}

Tensor Transformer::attention_qkv(int layer) const {
    GLULAB_CHECK(layer >= 0 && layer < cfg_.layers, "layers count from 0", "attention_qkv: layer {} of {}", layer,
                 cfg_.layers);
    const Tensor& q_k_v = blocks[static_cast<size_t>(layer)].attn.qkv_out;
    GLULAB_CHECK(q_k_v.data != nullptr, "run forward first", "attention_qkv: no forward yet");
    return q_k_v;
}

Transformer::BlockTaps Transformer::block_taps(int layer) const {
    GLULAB_CHECK(layer >= 0 && layer < cfg_.layers, "layers count from 0", "block_taps: layer {} of {}", layer,
                 cfg_.layers);
    const Block& b = blocks[static_cast<size_t>(layer)];
    GLULAB_CHECK(b.residual_out.data != nullptr, "run forward first", "block_taps: no forward yet");
    return {.ffn_input = b.ffn.input_out, .hidden = b.ffn.hidden_out, .residual = b.residual_out};
}

Tensor Transformer::last_logits() const {
    GLULAB_CHECK(logits_out_.data != nullptr, "run forward first", "last_logits: no forward yet");
    return logits_out_;
}

Tensor Transformer::ffn_up_gate(int layer) const {
    GLULAB_CHECK(is_gated(cfg_.ffn), "only the GLU family has a gate",
                 "ffn_up_gate: FFN kind '{}' is not gated", ffn_kind_name(cfg_.ffn));
    GLULAB_CHECK(layer >= 0 && layer < cfg_.layers, "layers count from 0",
                 "ffn_up_gate: layer {} of {}", layer, cfg_.layers);
    const Tensor& g = blocks[static_cast<size_t>(layer)].ffn.up_gate_out;
    GLULAB_CHECK(g.data != nullptr, "run forward first", "ffn_up_gate: no forward yet");
    return g;
}

}  // namespace glulab
