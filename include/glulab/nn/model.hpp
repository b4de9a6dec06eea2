// model.hpp — the transformer glulab trains: its configuration, its layers, the model and its
// parameter table.
//
// A decoder-only transformer over characters (docs/model.md is the full specification, enough
// to rebuild the same network in PyTorch and get the same numbers):
//
//     x = wte[idx] + wpe[t]                               (B, T, C)
//     for each of the L blocks (pre-norm, residual):
//         x = x + attn(norm(x))                           causal, NH heads, fused qkv
//         x = x + ffn(norm(x))                            one of the FfnKinds
//     logits = lm_head(norm(x))                           (B, T, V)
//     norm = rms_norm (the default) or layer_norm       one NormKind for the whole model
//     loss = mean cross-entropy over the B*T positions    (1)
//
// Every layer is a small struct that holds its weights as named Tensor views into the model's
// ParamStore (params.hpp) and declares them in its `declare` function. The model runs that
// declaration twice: once to count and name (the views have no memory yet), once, after
// allocation, to bind the views. Layers are called like functions: `attn(tape, x)`.
//
// Contains: Transformer. Its parts have headers of their own, which this one includes:
// nn/config.hpp (FfnKind, NormKind, ModelConfig), nn/layers.hpp (Linear, Embedding, Norm,
// CausalSelfAttention, FeedForward, Block) and nn/param_table.hpp (the parameter table).
// Leaves out: the training loop, the optimizer (optim.hpp), the data (data.hpp), sampling and
// checkpoints.
//
// Sources: src/nn/ffn.cpp (Lesson 07), src/nn/attention.cpp (Lesson 10), src/nn/layers.cpp,
// src/nn/config.cpp, src/nn/model.cpp, src/nn/param_table.cpp (Lesson 11).
//
// Lesson 11 · the transformer block and the model
#pragma once

#include "glulab/nn/config.hpp"
#include "glulab/nn/layers.hpp"
#include "glulab/nn/param_table.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace glulab {

// Transformer
// -----------
// Owns its parameters. Construction validates the config and declares, allocates and binds
// every parameter (all zero); init(seed) draws the initial weights:
//
//     every weight matrix and embedding   N(0, 0.02)
//     attn.proj and ffn.down              N(0, 0.02 / sqrt(2 L))   (they add into the residual)
//     norm gains                          1
//     biases (none by default; layernorm's shifts)  0
//
// Dropout (cfg.dropout > 0) is active only in training mode, a switch of its own: train() turns
// it on (the trainer, for each step's forward), eval() off (the default: evaluation, sampling).
// It does not follow the tape: a gradient check in training mode evaluates the loss with and
// without recording and must see the same masks. Every forward draws its masks from the seed
// set by reseed_dropout (or init), so forwards between two reseeds drop the same units.
class Transformer {
public:
    explicit Transformer(const ModelConfig& cfg);

    // The parameters (names, shapes, offsets) a model of `cfg` has, found by the first pass
    // of declare() alone: nothing is allocated, so a checkpoint loader can compare a file's
    // tensors with them before it builds a model of a size the file only claims.
    static std::vector<ParamEntry> declared_params(const ModelConfig& cfg);

    // Draw the initial weights from Rng(seed), in declaration order (see docs/model.md).
    void init(uint64_t seed);
    // Restart the stream of dropout seeds. The trainer calls it before every step with a value
    // made from the run's seed and the step, so a resumed run draws the same masks.
    void reseed_dropout(uint64_t seed) { dropout_seed_ = seed; }

    // Training mode: dropout on. This process computes the batch's rows from `first_row` on
    // (data parallel: rank r from r B/N; else 0), and each element draws the mask of its place
    // in the global batch, so N ranks drop exactly the units one process drops.
    void train(int first_row = 0) {
        training_ = true;
        first_row_ = first_row;
    }
    // Evaluation mode (a new model's): no dropout.
    void eval() { training_ = false; }
    bool training() const { return training_; }

    // idx (B, T) token ids, row-major, 1 <= T <= ctx  ->  logits (B, T, V).
    Tensor forward(Tape& tape, const int* idx, int B, int T);
    // forward, then the mean cross-entropy against targets (B, T) -> (1).
    Tensor loss(Tape& tape, const int* idx, const int* targets, int B, int T);

    const ModelConfig& config() const { return cfg_; }
    int d_ff() const { return ffn_hidden_; }  // H actually used
    ParamStore& params() { return params_; }
    const ParamStore& params() const { return params_; }
    ParamTable param_table() const { return glulab::param_table(params_); }

    // Gated kinds: up_gate(x) (B, T, 2H) of `layer` from the last forward, rows [up | gate],
    // the gate pre-activation in columns [H, 2H) (see FeedForward::up_gate_out: a view into the
    // tape's arena, valid until tape.reset()). Throws for plain kinds and before the first forward.
    Tensor ffn_up_gate(int layer) const;
    // qkv(x) (B, T, 3C) of `layer`'s attention from the last forward (CausalSelfAttention::qkv_out),
    // and that forward's logits (B, T, V): views valid until tape.reset(). Throw before the
    // first forward.
    Tensor attention_qkv(int layer) const;
    Tensor last_logits() const;
    // `layer`'s FFN input, its hidden vector and the residual stream after the block, from the
    // last forward (views valid until tape.reset()); throw before the first forward.
    struct BlockTaps {
        Tensor ffn_input;   // (B, T, C)
        Tensor hidden;      // (B, T, H)
        Tensor residual;    // (B, T, C)
    };
    BlockTaps block_taps(int layer) const;

    // The layers, by name, in the order of the diagram. Bound views: read them, write through
    // their data, but do not reassign them.
    Embedding wte;              // (V, C)
    Embedding wpe;              // (T, C), T = ctx
    std::vector<Block> blocks;  // L of them
    Norm norm_f;                // weight (C), and bias (C) for layernorm
    Linear lm_head;             // weight (V, C), not tied to wte

private:
    struct DeclareOnly {};
    Transformer(const ModelConfig& cfg, DeclareOnly);  // first pass only: no memory
    void declare();  // runs twice: names and shapes, then views (params.hpp)
    const int* positions(Tape& tape, int B, int T);  // (B, T): pos[b, t] = t

    ModelConfig cfg_;
    int ffn_hidden_ = 0;
    ParamStore params_;
    std::vector<int> positions_;  // ids for wpe; grows to the largest B*T seen
    Tensor logits_out_;           // the last forward's logits (last_logits)
    uint64_t dropout_seed_ = 0;   // each forward's dropout seeds come from Rng(dropout_seed_)
    bool training_ = false;       // dropout on (train) or off (eval)
    int first_row_ = 0;           // global batch row of this process's first row (train)
};

}  // namespace glulab
