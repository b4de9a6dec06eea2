// config.hpp — what a model is made of: the FFN kinds, the norms, and ModelConfig with its limits.
//
// Contains: FfnKind and NormKind and their parsers (one table each, src/nn/ffn.cpp and
// src/nn/layers.cpp), ModelConfig and its validation (src/nn/config.cpp). The model itself is
// model.hpp.
//
// Lesson 07 · the GLU family
#pragma once

#include "glulab/ops/ops.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

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

}  // namespace glulab
