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
// Contains: FfnKind and NormKind and their parsers, ModelConfig and its validation, the layers
// (Linear, Embedding, Norm, CausalSelfAttention, FeedForward, Block), Transformer, the parameter
// table.
// Leaves out: the training loop, the optimizer (optim.hpp), the data (data.hpp), sampling and
// checkpoints.
//
// Sources: src/nn/ffn.cpp (Lesson 07), src/nn/attention.cpp (Lesson 10), src/nn/layers.cpp,
// src/nn/config.cpp, src/nn/model.cpp, src/nn/param_table.cpp (Lesson 11).
//
// Lesson 11 · the transformer block and the model
#pragma once

#include "glulab/autograd/autograd.hpp"
#include "glulab/core/params.hpp"
#include "glulab/platform/rng.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace glulab {

// FfnKind
// -------
// The feed-forward variants. The first three are plain: down(act(up(x))). The other five are
// the GLU family (Shazeer 2020): down(act(gate(x)) * up(x)).
//
//     kind       gated  act          kind       gated  act
//     relu       no     relu         bilinear   yes    identity
//     gelu       no     gelu (erf)   reglu      yes    relu
//     swish      no     silu         geglu      yes    gelu (erf)
//     glu        yes    sigmoid      swiglu     yes    silu
//
// Names are parsed in exactly one place, parse_ffn_kind, which lists the valid names when it
// rejects one.
enum class FfnKind { relu, gelu, swish, glu, bilinear, reglu, geglu, swiglu };

// "swiglu" -> FfnKind::swiglu; an unknown name throws glulab::Error listing them all.
FfnKind parse_ffn_kind(std::string_view name);
std::string_view ffn_kind_name(FfnKind kind);  // FfnKind::swiglu -> "swiglu"
std::span<const FfnKind> all_ffn_kinds();      // every kind, in the order above
std::string ffn_kind_names();                  // "relu, gelu, swish, ..., swiglu"
bool is_gated(FfnKind kind);                   // the GLU family: has a `gate` projection
Act ffn_activation(FfnKind kind);              // act in the formulas above

// NormKind
// --------
// The normalisation in front of each sub-layer and before lm_head (layers.cpp → Norm):
//
//     kind       formula, per row of C                     parameters
//     rmsnorm    x / sqrt(mean(x^2) + eps) * g             weight g (C)
//     layernorm  (x - mean(x)) / sqrt(var(x) + eps) * g + b  weight g (C), bias b (C)
//
// Parsed in one place, parse_norm_kind, which lists the valid names when it rejects one.
enum class NormKind { rmsnorm, layernorm };

// "layernorm" -> NormKind::layernorm; an unknown name throws glulab::Error listing both.
NormKind parse_norm_kind(std::string_view name);
std::string_view norm_kind_name(NormKind kind);  // NormKind::layernorm -> "layernorm"
std::string norm_kind_names();                   // "rmsnorm, layernorm"

// ModelConfig
// -----------
// Everything that fixes the shapes of the parameters. Written with designated initializers:
//     ModelConfig cfg{.vocab_size = 65, .ffn = FfnKind::geglu};
// The largest model glulab builds: every size of a ModelConfig has an upper bound, so a typo
// on the command line or a hostile checkpoint is refused at once, not after gigabytes.
struct ModelLimits {
    static constexpr int vocab_size = 0x110000;  // every Unicode code point
    static constexpr int ctx = 16384;
    static constexpr int layers = 256;
    static constexpr int d_model = 16384;
    static constexpr int heads = 1024;
    static constexpr int d_ff = 65536;
    static constexpr int multiple_of = 4096;
    static constexpr int64_t params = int64_t{1} << 31;  // all weights together (8 GiB as F32)
};

struct ModelConfig {
    int vocab_size = 0;            // V, e.g. 65 (tiny Shakespeare); set from the data's Vocab
    int ctx = 64;                  // T, the longest context, e.g. 64; forward takes any T <= ctx
    int layers = 4;                // L, e.g. 4
    int d_model = 128;             // C, e.g. 128
    int heads = 4;                 // NH, e.g. 4 (head size HS = C / NH = 32)
    FfnKind ffn = FfnKind::swiglu; // e.g. FfnKind::relu
    int d_ff = 0;                  // H, e.g. 512; 0 picks it by the rule of ffn_hidden()
    int multiple_of = 8;           // e.g. 8: the automatic gated H is rounded up to this
    float dropout = 0.0f;          // p, e.g. 0.1; 0 = no dropout layers at all
    NormKind norm = NormKind::rmsnorm;  // e.g. NormKind::layernorm

    // Throws glulab::Error naming the first field out of range (sizes positive, C divisible by
    // NH, 0 <= dropout < 1, ...). The Transformer calls it; the CLI calls it before any work.
    void validate() const;
    // Every parameter of the model these sizes build (the weights of the parameter table).
    int64_t param_count() const;

    // H, the FFN's hidden width: d_ff when set, else
    //     non-gated:  4 C                                               (C = 128: 512)
    //     gated:      2/3 * 4 C rounded up to a multiple of multiple_of (C = 128: 344)
    // The gated rule keeps a GLU layer's 3 C H weights close to a plain layer's 2 C (4 C).
    int ffn_hidden() const;
};

// Layers
// ------
// Each holds Tensor views into the ParamStore (shapes in the comments) and has a `declare` that
// adds them under a dotted name prefix: "blocks.0.attn.qkv" declares "blocks.0.attn.qkv.weight".

// y (..., out) = x (..., in) W^T (+ b), W stored (out, in) as in PyTorch's nn.Linear.
// Weight decay: on W, not on b.
// How finely a simulated int8 quantization picks its scales (nn/quantize.hpp): not at all, one
// scale for the whole tensor, or one per row (a weight's output channel, an input's token).
enum class Quant { none, tensor, row };

struct Linear {
    Tensor weight;  // (out, in), e.g. (384, 128) for attn.qkv
    Tensor bias;    // (out); empty (no memory) unless declared with_bias
    Quant input_quant = Quant::none;  // simulated int8 inputs (glulab eval --quantize w8a8); none in training

    void declare(ParamStore& ps, const std::string& name, int in, int out, bool with_bias = false);
    Tensor operator()(Tape& tape, Tensor x) const;
};

// out (B, T, C) = weight[ids (B, T)]. No weight decay.
struct Embedding {
    Tensor weight;  // (V, C) for wte, (T, C) for wpe

    void declare(ParamStore& ps, const std::string& name, int count, int dim);
    Tensor operator()(Tape& tape, const int* ids, Shape ids_shape) const;
};

// Per row, by kind (NormKind):
//     rmsnorm:    out = x / sqrt(mean(x^2) + eps) * weight                  no bias
//     layernorm:  out = (x - mean(x)) / sqrt(var(x) + eps) * weight + bias
// Gain initialised to 1, bias to 0, no decay on either.
struct Norm {
    NormKind kind = NormKind::rmsnorm;
    Tensor weight;       // (C), the gain g
    Tensor bias;         // (C), the shift b; layernorm only, else empty (no memory)
    float eps = 1e-5f;   // e.g. 1e-5

    void declare(ParamStore& ps, const std::string& name, NormKind kind, int dim);
    Tensor operator()(Tape& tape, Tensor x) const;
};

// Causal multi-head self-attention: one fused projection to q, k, v (in that order along the
// last axis), the attention op (autograd.hpp → attention), and the output projection.
//     qkv = x Wqkv^T (B, T, 3C);  y = attention(qkv, NH) (B, T, C);  out = y Wproj^T (B, T, C)
struct CausalSelfAttention {
    Linear qkv;     // weight (3C, C): rows [0, C) make q, [C, 2C) k, [2C, 3C) v
    Linear proj;    // weight (C, C), a residual output projection (smaller init)
    int heads = 0;  // NH

    // qkv(x) (B, T, 3C) of the most recent forward: a view into the tape's arena, valid until
    // that tape's reset(), like FeedForward::up_gate_out. Stability telemetry reads it right
    // after a forward for the largest attention logit q.k / sqrt(HS).
    Tensor qkv_out;

    void declare(ParamStore& ps, const std::string& name, int C, int NH);
    Tensor operator()(Tape& tape, Tensor x);  // sets qkv_out
};

// The position-wise feed-forward layer, x (B, T, C) -> (B, T, C):
//     plain:  down(act(up(x)))
//     gated:  down(act(gate(x)) * up(x))      one product for up and gate, then the fused glu op
//                                             (autograd.hpp → glu)
struct FeedForward {
    FfnKind kind = FfnKind::relu;
    Linear up;       // weight (H, C), the plain projection
    Linear gate;     // weight (H, C), the activated projection; gated kinds only, else empty
    Linear up_gate;  // gated kinds: weight (2H, C) = up's rows, then gate's: one view of both
                     // (they are adjacent in the ParamStore), not a parameter of its own
    Linear down;     // weight (C, H), a residual output projection (smaller init)

    // Gated kinds: up_gate(x) (B, T, 2H) of the most recent forward, each row [x Wup^T (H) |
    // x Wgate^T (H)]; columns [H, 2H) are the gate pre-activation, the input of act. A view
    // into the tape's arena, not a copy: valid until that tape's reset(), then stale. Empty
    // (data == nullptr) before the first forward and for plain kinds. Gate telemetry reads it
    // right after a forward, e.g. a histogram of act(gate).
    Tensor up_gate_out;
    // x (B, T, C), the layer's input (the norm's output), and h (B, T, H), its hidden vector
    // (act(x Wup^T) plain, act(gate) * up gated), of the most recent forward: views like
    // up_gate_out, which activation telemetry reads (experiment/activations.hpp).
    Tensor input_out, hidden_out;

    void declare(ParamStore& ps, const std::string& name, FfnKind kind, int C, int H);
    Tensor operator()(Tape& tape, Tensor x);  // sets input_out, hidden_out, up_gate_out
};

// One pre-norm transformer block. With dropout p > 0 (training only, see Transformer):
//     x = x + dropout(attn(attn_norm(x)));  x = x + dropout(ffn(ffn_norm(x)))
struct Block {
    Norm attn_norm;            // weight (C), and bias (C) for layernorm
    CausalSelfAttention attn;  // qkv (3C, C), proj (C, C)
    Norm ffn_norm;             // weight (C), and bias (C) for layernorm
    FeedForward ffn;           // up (H, C), gate (H, C) if gated, down (C, H)
    Tensor residual_out;       // x (B, T, C) after the block, of the most recent forward (a view)

    void declare(ParamStore& ps, const std::string& name, const ModelConfig& cfg);
    // dropout_p = 0 adds no dropout; otherwise each dropout draws its seed from `seeds`, and
    // x (B, T, C) starts at element `first` of the global batch (Transformer::train).
    Tensor operator()(Tape& tape, Tensor x, float dropout_p, Rng& seeds, int64_t first = 0);
};

// Parameter table
// ---------------
// One row per parameter tensor and the totals per component, as data (tests and the CLI read
// the numbers) and as text (format_param_table).
struct ParamRow {
    std::string name;            // "blocks.0.ffn.gate.weight"
    Shape shape;                 // (344, 128)
    int64_t count = 0;           // 44032
    std::string_view component;  // "ffn": embeddings, attention, ffn, norms or head
};
struct ParamCounts {
    int64_t embeddings = 0;  // wte, wpe
    int64_t attention = 0;   // attn.qkv, attn.proj (and their biases, if any)
    int64_t ffn = 0;         // ffn.up, ffn.gate, ffn.down
    int64_t norms = 0;       // every norm's gain (and bias, for layernorm)
    int64_t head = 0;        // lm_head
    int64_t total = 0;       // all of the above
};
struct ParamTable {
    std::vector<ParamRow> rows;  // in declaration order (= the order of the flat arrays)
    ParamCounts counts;
};

// Multiply-adds of one token's forward pass, counted from the configuration. Each weight of a
// matrix is used once per token (one multiply-add), so a matrix's share is its parameter count:
//     FFN        L (2 C H) plain, L (3 C H) gated           (up (and gate), down)
//                + L H for act (and L H for act(gate) * up): elementwise, counted as one each
//     attention  L (3 C C + C C) for qkv and proj, and L C (T + 1) for the scores q.k and the
//                weighted sum of v (a token at position t attends to t + 1 keys, (T + 1) / 2 on
//                average, twice)
//     head       C V;  the embeddings are lookups (no multiply-adds); norms L (2 C) + C, one each
// FLOPs = 2 x multiply-adds. At matched parameters (--match params) a gated FFN's H is 2/3 of a
// plain one's, so 3 C H equals 2 C (3H/2): the same FFN multiply-adds per token, not 1.5x.
struct TokenCost {
    int64_t ffn_macs = 0;    // all L FFN layers, e.g. 531,136 for swiglu at the default
    int64_t total_macs = 0;  // the whole forward, e.g. 836,032
};
TokenCost token_cost(const ModelConfig& cfg, int ffn_hidden);

// Which component a parameter name belongs to ("blocks.3.attn.proj.weight" -> "attention").
std::string_view param_component(std::string_view name);
ParamTable param_table(const ParamStore& ps);
// name, shape, count per row, then the component totals with their share of the total.
std::string format_param_table(const ParamTable& table);

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
